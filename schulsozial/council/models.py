"""Council papers (Vorlagen), their consultations (Beratungsfolge) and links.

A municipality's council information system holds papers: a reference
("2015/0159"), a title (Betreff), a type (Berichtsvorlage, Beschlussvorlage, …),
a status (öffentlich / nichtöffentlich), the lead department (Federführend),
the author (Verfasser), texts (Sachverhalt, Beschlussvorschlag), attachments and
the sequence of committees that dealt with it, each with a date, a role
(Anhörung, Vorberatung, Entscheidung, …) and a result ("zur Kenntnis genommen",
"einstimmig beschlossen", …).

A paper links to what it decided or reported: a framework version, a
distribution scenario or the school concept overview of a school year. Whether
it *decided* the object or only informed about it is computed from the
consultations (decision.py), never stored.

Drafts (PaperDraft) and the municipality's own DOCX templates (PaperTemplate)
are used by the drafting pages (drafting.py, views_drafts.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import decision

# The default list of paper types (Vorlage-Art), created for a municipality on
# demand (services.paper_types_ensure). The names are the council's own words.
DEFAULT_PAPER_TYPES: list[str] = [
    "Berichtsvorlage",
    "Beschlussvorlage",
    "Mitteilungsvorlage",
    "Antrag",
    "Anfrage",
]

# Suggestions for the free-text result of a consultation (a datalist in the form).
RESULT_SUGGESTIONS: list[str] = [
    "zur Kenntnis genommen",
    "einstimmig beschlossen",
    "ungeändert beschlossen",
    "mehrheitlich beschlossen",
    "geändert beschlossen",
    "vertagt",
    "abgelehnt",
    "zurückgezogen",
]


class PaperType(models.Model):
    """One entry of a municipality's list of paper types (Vorlage-Art)."""

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="paper_types",
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("paper type")
        verbose_name_plural = _("paper types")
        ordering = ["municipality", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="council_papertype_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Committee(models.Model):
    """A body of the council (Gremium): Rat, Schulausschuss, Jugendhilfeausschuss, …"""

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="committees",
    )
    name = models.CharField(_("name"), max_length=200)
    oparl_id = models.CharField(_("OParl ID"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="council_committee_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Paper(models.Model):
    """A council paper (Vorlage)."""

    class Status(models.TextChoices):
        PUBLIC = "public", _("public")
        NON_PUBLIC = "non_public", _("non-public")

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="council_papers",
    )
    reference = models.CharField(_("paper number"), max_length=100)
    title = models.CharField(_("subject"), max_length=500)
    paper_type = models.ForeignKey(
        PaperType,
        verbose_name=_("paper type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="papers",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PUBLIC
    )
    lead_department = models.CharField(_("lead department"), max_length=300, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    beschlussvorschlag = models.TextField(_("proposed resolution"), blank=True)
    sachverhalt = models.TextField(_("statement of facts"), blank=True)
    oparl_id = models.CharField(_("OParl ID"), max_length=500, blank=True)
    oparl_modified = models.DateTimeField(_("changed in the council system"), null=True, blank=True)
    web_url = models.URLField(_("link to the council system"), max_length=500, blank=True)
    # Set by the OParl import when the council system reports the paper as
    # deleted; the platform keeps the paper and its links (they are a record).
    deleted_at_source = models.DateTimeField(
        _("deleted in the council system on"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("council paper")
        verbose_name_plural = _("council papers")
        ordering = ["municipality", "-date", "-reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reference"], name="council_paper_unique_reference"
            ),
            models.UniqueConstraint(
                fields=["municipality", "oparl_id"],
                condition=~Q(oparl_id=""),
                name="council_paper_unique_oparl_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLIC

    def decision_outcome(self) -> decision.Outcome:
        """Decided / rejected / taken note / pending, from the consultations."""
        return decision.outcome(
            [decision.Step(role=c.role, result=c.result) for c in self.consultations.all()]
        )


# Attachments: at most 20 MB, of these types (extension -> content types).
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES: dict[str, tuple[str, ...]] = {
    "pdf": ("application/pdf",),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    "odt": ("application/vnd.oasis.opendocument.text",),
    "png": ("image/png",),
    "jpg": ("image/jpeg",),
    "jpeg": ("image/jpeg",),
}


class PaperAttachment(models.Model):
    """A file of a paper (Anlage); size and type are checked by services.attachment_add."""

    paper = models.ForeignKey(
        Paper, verbose_name=_("council paper"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="council/attachments/%Y/")
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("file type"), max_length=200)
    oparl_id = models.CharField(_("OParl ID"), max_length=500, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["paper", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Consultation(models.Model):
    """One step of a paper's Beratungsfolge: a committee, a date, a role, a result."""

    class Role(models.TextChoices):
        HEARING = "hearing", _("hearing")
        PRELIMINARY = "preliminary", _("preliminary deliberation")
        INFORMATION = "information", _("for information")
        DELIBERATION = "deliberation", _("deliberation")
        DECISION = "decision", _("decision")
        OTHER = "other", _("other role")

    paper = models.ForeignKey(
        Paper,
        verbose_name=_("council paper"),
        on_delete=models.CASCADE,
        related_name="consultations",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    date = models.DateField(_("date of the meeting"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    result = models.CharField(_("result"), max_length=300, blank=True)
    oparl_id = models.CharField(_("OParl ID"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["paper", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.committee} {self.date or ''}".strip()

    @property
    def decides(self) -> bool:
        return decision.step_decides(decision.Step(role=self.role, result=self.result))


class PaperLink(models.Model):
    """A paper concerns exactly one object: a framework version, a distribution
    scenario, or the school concept overview of a school year (the
    municipality's school concepts of that year). Whether the paper decided the
    object or only informed about it follows from its consultations."""

    class Target(models.TextChoices):
        FRAMEWORK = "framework", _("framework concept version")
        SCENARIO = "scenario", _("distribution scenario")
        CONCEPTS = "concepts", _("school concepts of a school year")

    paper = models.ForeignKey(
        Paper, verbose_name=_("council paper"), on_delete=models.CASCADE, related_name="links"
    )
    framework_version = models.ForeignKey(
        "concepts.FrameworkVersion",
        verbose_name=_("framework concept version"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="council_links",
    )
    scenario = models.ForeignKey(
        "allocation.Scenario",
        verbose_name=_("distribution scenario"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="council_links",
    )
    school_year = models.ForeignKey(
        "masterdata.SchoolYear",
        verbose_name=_("school year of the school concepts"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("link of a council paper")
        verbose_name_plural = _("links of council papers")
        ordering = ["paper", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        framework_version__isnull=False,
                        scenario__isnull=True,
                        school_year__isnull=True,
                    )
                    | Q(
                        framework_version__isnull=True,
                        scenario__isnull=False,
                        school_year__isnull=True,
                    )
                    | Q(
                        framework_version__isnull=True,
                        scenario__isnull=True,
                        school_year__isnull=False,
                    )
                ),
                name="council_link_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["paper", "framework_version"],
                condition=Q(framework_version__isnull=False),
                name="council_link_unique_framework",
            ),
            models.UniqueConstraint(
                fields=["paper", "scenario"],
                condition=Q(scenario__isnull=False),
                name="council_link_unique_scenario",
            ),
            models.UniqueConstraint(
                fields=["paper", "school_year"],
                condition=Q(school_year__isnull=False),
                name="council_link_unique_school_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper.reference} → {self.target}"

    @property
    def target_kind(self) -> str:
        if self.framework_version_id:
            return self.Target.FRAMEWORK
        if self.scenario_id:
            return self.Target.SCENARIO
        return self.Target.CONCEPTS

    @property
    def target(self) -> object:
        return self.framework_version or self.scenario or self.school_year


class PaperTemplate(models.Model):
    """A municipality's own DOCX template for drafts, with placeholders (docxtpl)."""

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="paper_templates",
    )
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to="council/templates/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("paper template")
        verbose_name_plural = _("paper templates")
        ordering = ["municipality", "name"]

    def __str__(self) -> str:
        return self.name


class PaperDraft(models.Model):
    """A draft of a paper, edited in the platform and exported as DOCX/PDF.

    Once submitted to the council system it becomes a Paper when its reference
    is entered or imported (`paper`)."""

    class TemplateKind(models.TextChoices):
        FRAMEWORK = "framework", _("adoption of the framework concept (new version)")
        DISTRIBUTION = "distribution", _("distribution of the positions for a school year")
        CUSTOM = "custom", _("other paper (blank draft)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted to the council system")

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="paper_drafts",
    )
    template_kind = models.CharField(
        _("template"), max_length=20, choices=TemplateKind.choices, default=TemplateKind.CUSTOM
    )
    template = models.ForeignKey(
        PaperTemplate,
        verbose_name=_("own template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafts",
    )
    title = models.CharField(_("subject"), max_length=500)
    paper_type = models.ForeignKey(
        PaperType,
        verbose_name=_("paper type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drafts",
    )
    lead_department = models.CharField(_("lead department"), max_length=300, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    # [{"committee": "Schulausschuss", "date": "2026-03-25", "role": "preliminary"}, …]
    planned_consultations = models.JSONField(_("planned consultations"), default=list, blank=True)
    sachverhalt = models.TextField(_("statement of facts"), blank=True)
    beschlussvorschlag = models.TextField(_("proposed resolution"), blank=True)
    # ["Synopse der Änderungen", …]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    framework_version = models.ForeignKey(
        "concepts.FrameworkVersion",
        verbose_name=_("framework concept version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scenario = models.ForeignKey(
        "allocation.Scenario",
        verbose_name=_("distribution scenario"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    paper = models.ForeignKey(
        Paper,
        verbose_name=_("council paper"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafts",
    )
    lock_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    class Meta:
        verbose_name = _("paper draft")
        verbose_name_plural = _("paper drafts")
        ordering = ["municipality", "-updated_at"]

    def __str__(self) -> str:
        return self.title


# --------------------------------------------------------------------------- OParl import


class OParlSource(models.Model):
    """A council system a municipality imports from (oparl/, import_oparl):
    the URL given (system, body or file) and the last successful run, whose
    start is the next run's ``modified_since``."""

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    url = models.CharField(_("address of the council system"), max_length=500)
    body_oparl_id = models.CharField(_("OParl ID of the body"), max_length=500, blank=True)
    body_name = models.CharField(_("body"), max_length=200, blank=True)
    last_success_at = models.DateTimeField(_("last successful import"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("OParl source")
        verbose_name_plural = _("OParl sources")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "url"], name="oparl_source_unique"),
        ]

    def __str__(self) -> str:
        return self.body_name or self.url


class OParlRun(models.Model):
    """One import run: who started it (none for the command), its progress
    while it walks the lists, and its result (counts, warnings, or the error
    that made it write nothing)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("imported")
        FAILED = "failed", _("nothing imported")

    source = models.ForeignKey(
        OParlSource, verbose_name=_("OParl source"), on_delete=models.CASCADE, related_name="runs"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    modified_since = models.DateTimeField(_("changed since"), null=True, blank=True)
    stage = models.CharField(max_length=20, blank=True)  # papers, organizations, meetings, saving
    stage_count = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    seen = models.PositiveIntegerField(_("papers read"), default=0)
    deleted = models.PositiveIntegerField(_("deleted in the council system"), default=0)
    requests = models.PositiveIntegerField(_("requests"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("OParl import")
        verbose_name_plural = _("OParl imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
