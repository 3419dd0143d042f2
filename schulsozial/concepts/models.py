"""Framework concept (Rahmenkonzept) and school concepts (schuleigenes Konzept).

A municipality's framework concept is a series of versions. Each version holds
configurable sections (Markdown) and a catalogue of standards; it moves through
draft -> consultation -> adopted -> superseded (the transitions live in
services.py). A school concept is derived from the adopted version: one section
per required framework section and one entry per binding standard.

Editable texts carry a ``lock_version`` integer: a save names the version it
started from and is refused when someone else saved in between (optimistic
locking, see services.locked_update).
"""

from __future__ import annotations

import calendar
import datetime
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from schulsozial.accounts.models import Role

# The default sections of a framework concept (key, title). Coordination may
# rename, add or remove sections in a draft.
DEFAULT_SECTIONS: list[tuple[str, str]] = [
    ("leitbild", "Leitbild"),
    ("goals", "Ziele"),
    ("target_groups", "Zielgruppen"),
    ("tasks", "Aufgaben und Angebote"),
    ("standards", "Standards"),
    ("cooperation", "Kooperation mit Schule und Jugendhilfe"),
    ("quality", "Qualitätsmanagement"),
    ("data_protection", "Datenschutz"),
    ("resources", "Ressourcen und Verteilungskriterien"),
    ("review", "Überprüfung und Fortschreibung"),
]

FRAMEWORK_REVIEW_YEARS = 3
SCHOOL_REVIEW_YEARS = 2
# How long school concepts approved on the version before stay valid after a
# new version is adopted (the schools need time to rework them).
DEFAULT_TRANSITION_MONTHS = 6
MAX_TRANSITION_MONTHS = 36


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day where it is shorter)."""
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


class FrameworkVersionQuerySet(models.QuerySet["FrameworkVersion"]):
    def published(self) -> FrameworkVersionQuerySet:
        return self.filter(status__in=FrameworkVersion.PUBLISHED)

    def adopted(self) -> FrameworkVersionQuerySet:
        return self.filter(status=FrameworkVersion.Status.ADOPTED)


class FrameworkVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        CONSULTATION = "consultation", _("in consultation")
        ADOPTED = "adopted", _("adopted")
        SUPERSEDED = "superseded", _("superseded")

    EDITABLE = (Status.DRAFT, Status.CONSULTATION)
    PUBLISHED = (Status.ADOPTED, Status.SUPERSEDED)

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="framework_versions",
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    consultation_opens = models.DateField(_("consultation opens"), null=True, blank=True)
    consultation_closes = models.DateField(_("consultation closes"), null=True, blank=True)
    # The council decision is a linked council.Paper (council.PaperLink); the
    # properties decision_body, decision_date and paper_number read it.
    review_due = models.DateField(_("review due"), null=True, blank=True)
    transition_months = models.PositiveSmallIntegerField(
        _("transition period (months)"),
        default=DEFAULT_TRANSITION_MONTHS,
        validators=[MaxValueValidator(MAX_TRANSITION_MONTHS)],
        help_text=_(
            "After the adoption, school concepts approved on an earlier version stay valid "
            "for this many months (0: no transition period)."
        ),
    )
    transition_until = models.DateField(
        _("school concepts on earlier versions valid until"), null=True, blank=True
    )
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("framework concept version")
        verbose_name_plural = _("framework concept versions")
        ordering = ["municipality", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"], name="framework_version_unique_number"
            ),
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(status="adopted"),
                name="framework_one_adopted_per_municipality",
            ),
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(status__in=["draft", "consultation"]),
                name="framework_one_open_version_per_municipality",
            ),
            models.CheckConstraint(
                condition=~Q(status="adopted") | Q(review_due__isnull=False),
                name="framework_adopted_has_review_due",
            ),
            models.CheckConstraint(
                condition=Q(transition_months__lte=MAX_TRANSITION_MONTHS),
                name="framework_transition_at_most_36_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_published(self) -> bool:
        return self.status in self.PUBLISHED

    # ------------------------------------------------------------ council decision
    # The paper that put the version in force (council.selectors.framework_decision):
    # one that decided it, else one that only took note of it; None when no paper
    # is linked. Read once per instance; forget_council_decision() after a change.

    @property
    def council_decision(self) -> Any:
        if "_council_decision" not in self.__dict__:
            from schulsozial.council.selectors import framework_decision

            self.__dict__["_council_decision"] = framework_decision(self) if self.pk else None
        return self.__dict__["_council_decision"]

    def forget_council_decision(self) -> None:
        self.__dict__.pop("_council_decision", None)

    @property
    def decision_date(self) -> datetime.date | None:
        found = self.council_decision
        return found.date if found else None

    @property
    def decision_body(self) -> str:
        found = self.council_decision
        return found.body if found else ""

    @property
    def paper_number(self) -> str:
        found = self.council_decision
        return found.paper.reference if found else ""

    @property
    def council_decided(self) -> bool:
        """True only when a deciding committee adopted the version (not: took note)."""
        found = self.council_decision
        return bool(found and found.decided)


class LinkedConcept(models.Model):
    """A neighbouring municipal concept (truancy, learning support, KAoA, …)."""

    class Kind(models.TextChoices):
        TRUANCY = "truancy", _("truancy (Schulabsentismus)")
        LEARNING_SUPPORT = "learning_support", _("learning support (Lernförderung)")
        KAOA = "kaoa", _("school-to-work transition (KAoA)")
        CHILD_PROTECTION = "child_protection", _("child protection")
        OTHER = "other", _("other concept")

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="linked_concepts",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    owner = models.CharField(
        _("owner"), max_length=200, help_text=_("The partner or department responsible.")
    )
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="linked_concepts/", blank=True)
    description = models.TextField(_("short description"), blank=True)

    class Meta:
        verbose_name = _("linked concept")
        verbose_name_plural = _("linked concepts")
        ordering = ["municipality", "kind", "title"]

    def __str__(self) -> str:
        return self.title


class FrameworkSection(models.Model):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(_("key"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("text (Markdown)"), blank=True)
    required_for_school = models.BooleanField(
        _("required in school concepts"),
        default=False,
        help_text=_("Every school concept must contain this section."),
    )
    linked_concepts = models.ManyToManyField(
        LinkedConcept, verbose_name=_("linked concepts"), blank=True, related_name="sections"
    )
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("framework section")
        verbose_name_plural = _("framework sections")
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="framework_section_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def municipality_id(self) -> int:
        return self.version.municipality_id


class Standard(models.Model):
    class Dimension(models.TextChoices):
        STRUCTURE = "structure", _("structure")
        PROCESS = "process", _("process")
        RESULT = "result", _("result")

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="standards"
    )
    code = models.CharField(
        _("id"), max_length=20, help_text=_("Stable across versions, e.g. ST-03.")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    dimension = models.CharField(_("quality dimension"), max_length=20, choices=Dimension.choices)
    indicators = models.TextField(_("indicators"), blank=True, help_text=_("One per line."))
    binding = models.BooleanField(_("binding for school concepts"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["version", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="standard_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def municipality_id(self) -> int:
        return self.version.municipality_id

    @property
    def indicator_list(self) -> list[str]:
        return [line.strip() for line in self.indicators.splitlines() if line.strip()]


class ConsultationInvitation(models.Model):
    """Who is invited to comment on a version in consultation: one person, or
    everybody holding a role (carrier, social worker, principal) in the
    municipality."""

    INVITABLE_ROLES = (Role.CARRIER, Role.WORKER, Role.PRINCIPAL)

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="invitation_once_per_user"),
            models.UniqueConstraint(
                fields=["version", "role"],
                condition=~Q(role=""),
                name="invitation_once_per_role",
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(role=""))
                | (Q(user__isnull=True) & Q(role__in=["carrier", "worker", "principal"])),
                name="invitation_person_or_role",
            ),
        ]

    def __str__(self) -> str:
        target = self.user if self.user_id else self.get_role_display()
        return f"{target} → {self.version}"


class ConsultationComment(models.Model):
    class Answer(models.TextChoices):
        OPEN = "open", _("not answered yet")
        ACCEPTED = "accepted", _("accepted")
        PARTLY = "partly", _("partly accepted")
        REJECTED = "rejected", _("rejected")

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(
        FrameworkSection,
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    standard = models.ForeignKey(
        Standard,
        verbose_name=_("standard"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    answer = models.CharField(
        _("answer"), max_length=20, choices=Answer.choices, default=Answer.OPEN
    )
    answer_reason = models.TextField(_("reason"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation comment")
        verbose_name_plural = _("consultation comments")
        ordering = ["version", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(section__isnull=False, standard__isnull=True)
                | Q(section__isnull=True, standard__isnull=False),
                name="comment_on_section_or_standard",
            ),
            models.CheckConstraint(
                condition=Q(answer="open") | ~Q(answer_reason=""),
                name="comment_answer_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_label}: {self.text[:60]}"

    @property
    def target_label(self) -> str:
        return str(self.section or self.standard)

    @property
    def municipality_id(self) -> int:
        return self.version.municipality_id


class Idea(models.Model):
    """An idea or expectation from any actor (the Herne kick-off), tagged to a
    cornerstone and optionally to a section."""

    class Cornerstone(models.TextChoices):
        STANDARDS = "standards", _("common standards for all carriers")
        QUALITY = "quality", _("common quality management")
        NETWORK = "network", _("networking with youth welfare")
        LINKED = "linked", _("links to neighbouring concepts")
        DISTRIBUTION = "distribution", _("criteria for distributing resources")
        LEITBILD = "leitbild", _("mission statement (Leitbild)")
        SCHOOL_CONCEPTS = "school_concepts", _("rules for school concepts")
        PARTICIPATION = "participation", _("transparency and participation")

    class Status(models.TextChoices):
        NEW = "new", _("new")
        COMMENT = "comment", _("taken up as a comment")
        CHANGE = "change", _("taken up as a change")

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="concept_ideas",
    )
    text = models.CharField(_("idea or expectation"), max_length=500)
    cornerstone = models.CharField(_("cornerstone"), max_length=30, choices=Cornerstone.choices)
    section_key = models.CharField(_("section"), max_length=50, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default="new")
    comment = models.ForeignKey(
        ConsultationComment,
        verbose_name=_("comment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:80]


# --------------------------------------------------------------------------- school concepts


class SchoolConcept(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        CHANGES_REQUESTED = "changes_requested", _("changes requested")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")

    EDITABLE = (Status.DRAFT, Status.CHANGES_REQUESTED)

    school = models.OneToOneField(
        "masterdata.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="concept",
    )
    framework_version = models.ForeignKey(
        FrameworkVersion,
        verbose_name=_("framework version"),
        on_delete=models.PROTECT,
        related_name="school_concepts",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    principal_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    principal_approved_at = models.DateTimeField(
        _("approved by the principal"), null=True, blank=True
    )
    carrier_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    carrier_approved_at = models.DateTimeField(_("approved by the carrier"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    review_interval_years = models.PositiveSmallIntegerField(
        _("review interval (years)"), default=SCHOOL_REVIEW_YEARS
    )
    review_due = models.DateField(_("review due"), null=True, blank=True)
    framework_changed = models.BooleanField(_("framework changed"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("school concept")
        verbose_name_plural = _("school concepts")
        ordering = ["school__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_interval_years__gte=1) & Q(review_interval_years__lte=10),
                name="school_concept_review_interval_1_to_10",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "acknowledged"])
                | (Q(principal_approved_at__isnull=False) & Q(carrier_approved_at__isnull=False)),
                name="school_concept_approved_by_both",
            ),
        ]

    def __str__(self) -> str:
        return str(_("School concept %(school)s") % {"school": self.school.name})

    @property
    def municipality_id(self) -> int:
        return self.school.municipality_id

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class SchoolConceptSection(models.Model):
    concept = models.ForeignKey(SchoolConcept, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(_("key"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    required = models.BooleanField(_("required"), default=True)
    text = models.TextField(_("text (Markdown)"), blank=True)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("school concept section")
        verbose_name_plural = _("school concept sections")
        ordering = ["concept", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["concept", "key"], name="school_section_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def municipality_id(self) -> int:
        return self.concept.school.municipality_id


class StandardImplementation(models.Model):
    """How a school implements one binding standard locally."""

    concept = models.ForeignKey(
        SchoolConcept, on_delete=models.CASCADE, related_name="implementations"
    )
    standard_code = models.CharField(_("standard"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("local implementation (Markdown)"), blank=True)
    deviation = models.BooleanField(_("local deviation"), default=False)
    deviation_reason = models.TextField(_("reason for the deviation"), blank=True)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("implementation of a standard")
        verbose_name_plural = _("implementations of standards")
        ordering = ["concept", "position", "standard_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["concept", "standard_code"], name="implementation_unique_standard"
            ),
            models.CheckConstraint(
                condition=Q(deviation=False) | ~Q(deviation_reason=""),
                name="implementation_deviation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard_code} {self.title}"

    @property
    def municipality_id(self) -> int:
        return self.concept.school.municipality_id


class ConceptStep(models.Model):
    """One step of a school concept's approval: who, when, a comment."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        SUBMIT = "submit", _("submitted")
        APPROVE_PRINCIPAL = "approve_principal", _("approved by the principal")
        APPROVE_CARRIER = "approve_carrier", _("approved by the carrier")
        ACKNOWLEDGE = "acknowledge", _("acknowledged by coordination")
        REQUEST_CHANGES = "request_changes", _("changes requested")
        REOPEN = "reopen", _("reopened for revision")
        REBASE = "rebase", _("moved to the new framework version")

    concept = models.ForeignKey(SchoolConcept, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("step"), max_length=30, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    status_after = models.CharField(
        _("status afterwards"), max_length=20, choices=SchoolConcept.Status.choices
    )

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["concept", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


class YearlyGoal(models.Model):
    class Review(models.TextChoices):
        OPEN = "open", _("not reviewed yet")
        ACHIEVED = "achieved", _("achieved")
        PARTLY = "partly", _("partly achieved")
        NOT_ACHIEVED = "not_achieved", _("not achieved")

    class Responsible(models.TextChoices):
        WORKER = "worker", _("school social work")
        PRINCIPAL = "principal", _("school leadership")
        CARRIER = "carrier", _("carrier")
        TEACHERS = "teachers", _("teaching staff")
        COORDINATION = "coordination", _("coordination")
        PARTNER = "partner", _("partner")

    school = models.ForeignKey(
        "masterdata.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="yearly_goals",
    )
    school_year = models.ForeignKey(
        "masterdata.SchoolYear",
        verbose_name=_("school year"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    goal = models.CharField(_("goal"), max_length=300)
    measures = models.TextField(_("measures"))
    responsible = models.CharField(_("responsible"), max_length=20, choices=Responsible.choices)
    review = models.CharField(
        _("review at year end"), max_length=20, choices=Review.choices, default=Review.OPEN
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("yearly goal")
        verbose_name_plural = _("yearly goals")
        ordering = ["school", "-school_year__start", "pk"]

    def __str__(self) -> str:
        return self.goal

    @property
    def municipality_id(self) -> int:
        return self.school.municipality_id
