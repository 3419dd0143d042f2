"""Quality management (issue 16, PRODUCT.md §3.8): the yearly cycle per school.

A school's social work is evaluated once per school year against the standards
of the adopted framework version (concepts.Standard, grouped by quality
dimension). Up to three perspectives rate each standard, stored separately:

- ``worker``: the school's social workers draft and submit;
- ``school``: the principal adds the school's view and co-signs;
- ``carrier``: the carrier adds its view and sees the result.

Each perspective has one `EvaluationPerspective` record (author, submitted and
signed moments) and one `Rating` per standard. The heat map (standards ×
schools) averages `Rating.value` per standard code and school; "not
applicable" ratings have no value and are left out of every average.

A `QualityDialogue` records the yearly meeting (participants by role, never
pupils), a `ClosingReview` picks at most `QualitySettings.max_changes` changes
which become the school's `concepts.YearlyGoal` of the next school year.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DEFAULT_SCALE_STEPS = 4
MIN_SCALE_STEPS = 2
MAX_SCALE_STEPS = 10
DEFAULT_MAX_CHANGES = 3
DEFAULT_SURVEY_MIN_ANSWERS = 10
# A rating differing by at least this many steps between two perspectives is highlighted.
DIFFERENCE_STEPS = 2


class Perspective(models.TextChoices):
    WORKER = "worker", _("school social work")
    SCHOOL = "school", _("school")
    CARRIER = "carrier", _("carrier")


class QualitySettings(models.Model):
    """A municipality's settings of the quality cycle (one row; defaults without it)."""

    municipality = models.OneToOneField(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="quality_settings",
    )
    scale_steps = models.PositiveSmallIntegerField(
        _("steps of the rating scale"),
        default=DEFAULT_SCALE_STEPS,
        validators=[MinValueValidator(MIN_SCALE_STEPS), MaxValueValidator(MAX_SCALE_STEPS)],
    )
    scale_labels = models.TextField(
        _("names of the steps"),
        blank=True,
        help_text=_("One per line, from the lowest to the highest step. Empty: the default names."),
    )
    want_school_perspective = models.BooleanField(
        _("school's perspective (principal co-signs)"), default=True
    )
    want_carrier_perspective = models.BooleanField(_("carrier's perspective"), default=True)
    max_changes = models.PositiveSmallIntegerField(
        _("changes per closing review (at most)"),
        default=DEFAULT_MAX_CHANGES,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    submit_due_month = models.PositiveSmallIntegerField(
        _("self-evaluation due (month)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    submit_due_day = models.PositiveSmallIntegerField(
        _("self-evaluation due (day)"),
        default=31,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    cosign_days = models.PositiveSmallIntegerField(
        _("days to co-sign after submission"),
        default=21,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    surveys_enabled = models.BooleanField(_("anonymous surveys"), default=False)
    survey_min_answers = models.PositiveSmallIntegerField(
        _("answers needed before survey results are shown"),
        default=DEFAULT_SURVEY_MIN_ANSWERS,
        validators=[MinValueValidator(5), MaxValueValidator(1000)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quality settings")
        verbose_name_plural = _("quality settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_steps__gte=MIN_SCALE_STEPS, scale_steps__lte=MAX_SCALE_STEPS),
                name="quality_scale_steps_range",
            ),
            models.CheckConstraint(
                condition=Q(max_changes__gte=1, max_changes__lte=10),
                name="quality_max_changes_range",
            ),
            models.CheckConstraint(
                condition=Q(survey_min_answers__gte=5), name="quality_survey_min_answers_5"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Quality settings %(name)s") % {"name": self.municipality})


class SelfEvaluation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        CO_SIGNED = "co_signed", _("co-signed")
        CLOSED = "closed", _("closed")

    school = models.ForeignKey(
        "masterdata.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="self_evaluations",
    )
    school_year = models.ForeignKey(
        "masterdata.SchoolYear",
        verbose_name=_("school year"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    framework_version = models.ForeignKey(
        "concepts.FrameworkVersion",
        verbose_name=_("framework version"),
        on_delete=models.PROTECT,
        related_name="self_evaluations",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    scale_steps = models.PositiveSmallIntegerField(
        _("steps of the rating scale"),
        default=DEFAULT_SCALE_STEPS,
        validators=[MinValueValidator(MIN_SCALE_STEPS), MaxValueValidator(MAX_SCALE_STEPS)],
        help_text=_("Taken from the settings when the self-evaluation starts."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("self-evaluation")
        verbose_name_plural = _("self-evaluations")
        ordering = ["-school_year__start", "school__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"], name="self_evaluation_once_per_school_year"
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Self-evaluation %(school)s %(year)s")
            % {"school": self.school.name, "year": self.school_year.code}
        )

    @property
    def municipality_id(self) -> int:
        return self.school.municipality_id


class EvaluationPerspective(models.Model):
    """One perspective of a self-evaluation: who wrote it, when it was submitted
    (and, for the school, co-signed)."""

    evaluation = models.ForeignKey(
        SelfEvaluation, on_delete=models.CASCADE, related_name="perspectives"
    )
    perspective = models.CharField(_("perspective"), max_length=10, choices=Perspective.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField(_("overall assessment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("perspective")
        verbose_name_plural = _("perspectives")
        ordering = ["evaluation", "perspective"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "perspective"], name="perspective_once_per_evaluation"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(perspective="school"),
                name="perspective_only_school_signs",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.get_perspective_display()}"

    @property
    def municipality_id(self) -> int:
        return self.evaluation.school.municipality_id


class Rating(models.Model):
    class Level(models.TextChoices):
        NONE = "", _("no mark")
        MINIMUM = "minimum", _("minimum standard")
        TARGET = "target", _("target standard")

    evaluation = models.ForeignKey(SelfEvaluation, on_delete=models.CASCADE, related_name="ratings")
    perspective = models.CharField(_("perspective"), max_length=10, choices=Perspective.choices)
    standard = models.ForeignKey(
        "concepts.Standard",
        verbose_name=_("standard"),
        on_delete=models.PROTECT,
        related_name="quality_ratings",
    )
    value = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SCALE_STEPS)],
    )
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    not_applicable_reason = models.TextField(_("reason (not applicable)"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    level = models.CharField(
        _("minimum or target standard"),
        max_length=10,
        choices=Level.choices,
        blank=True,
        default=Level.NONE,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["evaluation", "perspective", "standard__position", "standard__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "perspective", "standard"],
                name="rating_once_per_standard_and_perspective",
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=False)
                | (Q(value__isnull=True) & ~Q(not_applicable_reason="")),
                name="rating_not_applicable_has_reason_no_value",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=MAX_SCALE_STEPS),
                name="rating_value_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} · {self.get_perspective_display()}"

    @property
    def municipality_id(self) -> int:
        return self.evaluation.school.municipality_id

    @property
    def is_answered(self) -> bool:
        return self.value is not None or self.not_applicable


class QualityDialogue(models.Model):
    """The yearly quality dialogue of a school (Qualitätsdialog)."""

    school = models.ForeignKey(
        "masterdata.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="quality_dialogues",
    )
    school_year = models.ForeignKey(
        "masterdata.SchoolYear",
        verbose_name=_("school year"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    date = models.DateField(_("date"))
    evaluation = models.ForeignKey(
        SelfEvaluation,
        verbose_name=_("self-evaluation discussed"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dialogues",
    )
    agreements = models.TextField(_("agreements"), blank=True)
    follow_up_goals = models.ManyToManyField(
        "concepts.YearlyGoal",
        verbose_name=_("follow-up goals"),
        blank=True,
        related_name="quality_dialogues",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("quality dialogue")
        verbose_name_plural = _("quality dialogues")
        ordering = ["-date", "school__name"]

    def __str__(self) -> str:
        return str(
            _("Quality dialogue %(school)s %(year)s")
            % {"school": self.school.name, "year": self.school_year.code}
        )

    @property
    def municipality_id(self) -> int:
        return self.school.municipality_id


# Participant roles that may carry a person's name (staff, never pupils or parents).
STAFF_PARTICIPANT_ROLES = (
    "worker",
    "worker_team",
    "principal",
    "carrier",
    "coordination",
    "teacher",
)


class DialogueParticipant(models.Model):
    """A participant of a quality dialogue by role. Never pupils or parents; a
    name only for staff roles (an external partner is named by institution)."""

    class ParticipantRole(models.TextChoices):
        WORKER = "worker", _("Schulsozialarbeit")
        WORKER_TEAM = "worker_team", _("Schulsozialarbeit-Team")
        PRINCIPAL = "principal", _("Schulleitung")
        CARRIER = "carrier", _("Träger")
        COORDINATION = "coordination", _("Koordination")
        TEACHER = "teacher", _("Lehrkraft")
        PARTNER = "partner", _("Kooperationspartner")

    STAFF_ROLES = STAFF_PARTICIPANT_ROLES

    dialogue = models.ForeignKey(
        QualityDialogue, on_delete=models.CASCADE, related_name="participants"
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    name = models.CharField(
        _("name (optional)"),
        max_length=150,
        blank=True,
        help_text=_("Only for staff; an external partner is named by its institution."),
    )
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    count = models.PositiveSmallIntegerField(
        _("number of persons"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["dialogue", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(name="") | Q(role__in=STAFF_PARTICIPANT_ROLES),
                name="participant_name_only_for_staff",
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="participant_count_positive"),
        ]

    def __str__(self) -> str:
        return self.name or self.get_role_display()


class ClosingReview(models.Model):
    """The strengths-and-weaknesses review closing a self-evaluation: at most
    `QualitySettings.max_changes` changes, each a yearly goal of the next year."""

    evaluation = models.OneToOneField(
        SelfEvaluation, on_delete=models.CASCADE, related_name="closing_review"
    )
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    next_school_year = models.ForeignKey(
        "masterdata.SchoolYear",
        verbose_name=_("goals for the school year"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("closing review")
        verbose_name_plural = _("closing reviews")

    def __str__(self) -> str:
        return str(_("Closing review %(evaluation)s") % {"evaluation": self.evaluation})

    @property
    def municipality_id(self) -> int:
        return self.evaluation.school.municipality_id


class ClosingChange(models.Model):
    """One change chosen in the closing review, and the yearly goal it became."""

    review = models.ForeignKey(ClosingReview, on_delete=models.CASCADE, related_name="changes")
    standard = models.ForeignKey(
        "concepts.Standard",
        verbose_name=_("standard"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    goal = models.ForeignKey(
        "concepts.YearlyGoal",
        verbose_name=_("yearly goal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_changes",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("chosen change")
        verbose_name_plural = _("chosen changes")
        ordering = ["review", "position", "pk"]

    def __str__(self) -> str:
        return str(self.goal or self.standard or self.pk)


# --------------------------------------------------------------------------- anonymous surveys
# (issue 16, part two). No answer is tied to a person: a response row has no
# user, no address, no time of day; it knows only its survey (school and
# period). Free texts are shown only pooled over the municipality.


class SurveyAudience(models.TextChoices):
    STAFF = "staff", _("school staff")
    PUPILS = "pupils", _("pupils")


class SurveyQuestionSet(models.Model):
    """A municipality's questionnaire for one audience (copied from the shipped
    default set the first time coordination uses it, then editable)."""

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="survey_question_sets",
    )
    audience = models.CharField(_("audience"), max_length=10, choices=SurveyAudience.choices)
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question set")
        verbose_name_plural = _("question sets")
        ordering = ["municipality", "audience", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def informal(self) -> bool:
        """Pupils are addressed with du, as their shipped questions are."""
        return self.audience == SurveyAudience.PUPILS


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        SCALE4 = "scale4", _("scale 1 to 4")
        SCALE5 = "scale5", _("scale 1 to 5")
        YES_NO = "yes_no", _("yes or no")
        TEXT = "text", _("free text (optional)")

    question_set = models.ForeignKey(
        SurveyQuestionSet, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind of answer"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["question_set", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def steps(self) -> int:
        return {"scale4": 4, "scale5": 5, "yes_no": 2}.get(self.kind, 0)


class Survey(models.Model):
    """One school's survey for a period, answered through its link (token)."""

    school = models.ForeignKey(
        "masterdata.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="quality_surveys",
    )
    question_set = models.ForeignKey(
        SurveyQuestionSet,
        verbose_name=_("question set"),
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    opens_on = models.DateField(_("open from"))
    closes_on = models.DateField(_("open until"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_on", "school__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="survey_period_order"
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Survey %(school)s %(start)s")
            % {"school": self.school.name, "start": self.opens_on.strftime("%d.%m.%Y")}
        )

    @property
    def municipality_id(self) -> int:
        return self.school.municipality_id


class SurveyResponse(models.Model):
    """One anonymous set of answers: no user, no address, no time stamp."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return str(_("Response %(pk)s") % {"pk": self.pk})


class SurveyRateWindow(models.Model):
    """How many answers one survey link received in the current minute: the
    rate limit of the anonymous answer page. Kept in the database (as
    django-axes keeps the login failures) so that it holds across the
    gunicorn workers, whose caches are their own. One row per link for the
    current minute only; older minutes are deleted, so no record of when
    answers came is kept."""

    survey = models.OneToOneField(
        Survey, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("survey rate window")
        verbose_name_plural = _("survey rate windows")

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.count}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="survey_answer_once_per_question"
            ),
        ]

    def __str__(self) -> str:
        return str(self.value if self.value is not None else self.text[:40])
