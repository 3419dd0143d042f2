"""Anonymised documentation of school social work (PRODUCT.md §3.6).

No field can hold a pupil's or a parent's name: every descriptive field is a
catalogue entry or a number. The optional case code is stored only as a keyed
hash per school (see casecode.py), so codes never link across schools and the
raw code never leaves the server.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CatalogueKind(models.TextChoices):
    ACTIVITY_TYPE = "activity_type", _("activity type")
    TOPIC = "topic", _("topic")
    CONTACT_ORIGIN = "contact_origin", _("how the contact came about")
    TARGET_GROUP = "target_group", _("target group")
    GRADE_BAND = "grade_band", _("grade band")
    GENDER = "gender", _("gender")
    PARTNER = "partner", _("partner")


class CatalogueEntryQuerySet(models.QuerySet["CatalogueEntry"]):
    def usable(self) -> CatalogueEntryQuerySet:
        return self.filter(retired=False)

    def of(self, kind: str) -> CatalogueEntryQuerySet:
        return self.filter(kind=kind)


class CatalogueEntry(models.Model):
    """One entry of a municipality's catalogue. Retired entries stay for history."""

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="catalogue",
    )
    kind = models.CharField(_("catalogue"), max_length=20, choices=CatalogueKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    retired = models.BooleanField(_("retired"), default=False)

    objects = CatalogueEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("catalogue entries")
        ordering = ["kind", "sort_order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "code"], name="catalogue_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class ActivityQuerySet(models.QuerySet["Activity"]):
    def in_school_year(self, school_year: object) -> ActivityQuerySet:
        return self.filter(date__gte=school_year.start, date__lte=school_year.end)  # type: ignore[attr-defined]


class Source(models.TextChoices):
    FORM = "form", _("entry form")
    WEEK = "week", _("weekly grid")
    IMPORT = "import", _("import")
    API = "api", _("API")


class Activity(models.Model):
    # Indexes: every index costs each write (a million-record import updates
    # each one a million times), so only those that reads use are kept. The
    # statistics read the rollups, not these rows. School and worker are
    # served by the (school, date) and (worker, date) indexes below, which
    # begin with them; the catalogue references have none: entries are
    # retired, never deleted, so nothing looks records up by entry.
    school = models.ForeignKey(
        "masterdata.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
    )
    worker = models.ForeignKey(
        "masterdata.StaffMember",
        verbose_name=_("social worker"),
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # No index of its own: lists and retention filter by school or worker
    # first, which the composite indexes below serve.
    date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    activity_type = models.ForeignKey(
        CatalogueEntry,
        verbose_name=_("activity type"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    topics = models.ManyToManyField(
        CatalogueEntry, verbose_name=_("topics"), blank=True, related_name="+"
    )
    target_group = models.ForeignKey(
        CatalogueEntry,
        verbose_name=_("target group"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    contact_origin = models.ForeignKey(
        CatalogueEntry,
        verbose_name=_("how the contact came about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    partner = models.ForeignKey(
        CatalogueEntry,
        verbose_name=_("partner involved"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    follow_up = models.BooleanField(_("follow-up"), default=False)
    source = models.CharField(
        _("entered via"), max_length=10, choices=Source.choices, default=Source.FORM
    )
    participants = models.PositiveIntegerField(_("participants"), default=0)
    case_hash = models.CharField(_("case (hashed)"), max_length=64, blank=True)
    # Entries from the form, the grid and the API carry a client id (the
    # API's idempotency key); an import has no client and stores none, so its
    # records stay out of the unique index below (a partial index), which
    # otherwise costs each imported record a random insert.
    client_id = models.UUIDField(_("client id"), null=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "client_id"],
                condition=Q(client_id__isnull=False),
                name="activity_idempotent_client_id",
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=720), name="activity_minutes_range"
            ),
        ]
        indexes = [models.Index(fields=["school", "date"]), models.Index(fields=["worker", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.school.school_number} {self.minutes} min"


class ParticipantCount(models.Model):
    """Participants of one activity counted by gender and grade band."""

    # The unique (activity, gender, grade band) index serves lookups by
    # activity; catalogue entries are never deleted (see Activity).
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="participant_counts", db_index=False
    )
    gender = models.ForeignKey(
        CatalogueEntry, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grade_band = models.ForeignKey(
        CatalogueEntry, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    count = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(2000)])

    class Meta:
        verbose_name = _("participant count")
        verbose_name_plural = _("participant counts")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "gender", "grade_band"], name="participants_one_cell"
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="participants_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.gender}/{self.grade_band}: {self.count}"


class ImportMapping(models.Model):
    """A remembered translation of a file's own category name (as an Excel
    documentation spells it) to a catalogue entry, per municipality."""

    municipality = models.ForeignKey(
        "masterdata.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("catalogue"), max_length=20, choices=CatalogueKind.choices)
    source_label = models.CharField(_("name in the file"), max_length=120)
    entry = models.ForeignKey(
        CatalogueEntry,
        verbose_name=_("catalogue entry"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "source_label"], name="import_mapping_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_label} → {self.entry}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked=False)


class ApiToken(models.Model):
    """Access for a carrier's own system to submit activity records.

    Only a SHA-256 hash of the key is stored (the key is 256 random bits, so
    a plain hash is enough); the key itself is shown once, at creation."""

    carrier = models.ForeignKey(
        "masterdata.Carrier",
        verbose_name=_("carrier"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("key begins with"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def municipality_id(self) -> int:
        return self.carrier.municipality_id


class ActivityImport(models.Model):
    """A confirmed documentation import, written by a background task
    (tasks.import_activities_task) from the kept preview (`token`, see
    masterdata.importing.store_pending): who started it, and its result.
    Only its owner sees it (importing.imports_visible_to)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("imported")
        FAILED = "failed", _("nothing imported")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    token = models.CharField(max_length=32, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("recorded"), default=0)
    # [row, column, reason] of every error ("row N, column C: reason")
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("documentation import")
        verbose_name_plural = _("documentation imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
