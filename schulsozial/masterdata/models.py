"""Master data: municipalities, school years, schools with yearly figures,
carriers, staff, funding streams with yearly budgets, and positions with
their assignment to schools.

Invariants live in the database (check and unique constraints; the sum of a
position's school hours is guarded by triggers, see migration 0002) and are
checked again, with readable messages, by the services.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from schulsozial.core import school_year

SCHOOL_NUMBER_RE = r"^[0-9]{6}$"
AGS_RE = r"^[0-9]{8}$"


class Municipality(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("independent city (kreisfreie Stadt)")
        TOWN = "town", _("town in a district (kreisangehörige Gemeinde)")
        DISTRICT = "district", _("district (Kreis)")
        STATE = "state", _("federal state (Land)")

    ags = models.CharField(
        _("municipality key (AGS)"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(AGS_RE, _("The AGS has exactly 8 digits."))],
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CITY)
    fulltime_week_hours = models.DecimalField(
        _("full-time week (hours)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("39.00"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("60"))],
    )
    target_pupils_per_fte = models.PositiveIntegerField(
        _("professional target: pupils per FTE"), default=150, validators=[MinValueValidator(1)]
    )
    rule_max_schools_fulltime = models.PositiveSmallIntegerField(
        _("rule: schools per full-time worker at most"),
        default=2,
        validators=[MinValueValidator(1)],
    )
    rule_parttime_fte_threshold = models.DecimalField(
        _("rule: part-time threshold (FTE)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    rule_max_schools_parttime = models.PositiveSmallIntegerField(
        _("rule: schools per part-time worker at most"),
        default=1,
        validators=[MinValueValidator(1)],
    )
    rule_workers_per_coordinator = models.PositiveSmallIntegerField(
        _("rule: social workers per full-time coordinator at most"),
        default=30,
        validators=[MinValueValidator(1)],
    )
    activity_correction_days = models.PositiveSmallIntegerField(
        _("documentation: days in which a record can be corrected"),
        default=14,
        validators=[MaxValueValidator(365)],
    )
    activity_retention_years = models.PositiveSmallIntegerField(
        _("documentation: school years records are kept"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Older records are deleted; only the aggregates are kept."),
    )
    disclosure_threshold = models.PositiveSmallIntegerField(
        _("statistics: smallest published count"), default=5, validators=[MinValueValidator(2)]
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ags__regex=AGS_RE), name="municipality_ags_8_digits"
            ),
            models.CheckConstraint(
                condition=Q(fulltime_week_hours__gt=0) & Q(fulltime_week_hours__lte=60),
                name="municipality_week_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolYearQuerySet(models.QuerySet["SchoolYear"]):
    def containing(self, day: datetime.date) -> SchoolYearQuerySet:
        return self.filter(start__lte=day, end__gte=day)


class SchoolYear(models.Model):
    """A school year runs from 1 August to 31 July; the code reads '2024/25'."""

    code = models.CharField(_("school year"), max_length=7, unique=True)
    start = models.DateField(_("start"), unique=True)
    end = models.DateField(_("end"), unique=True)

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="schoolyear_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @staticmethod
    def bounds_for(start_year: int) -> tuple[str, datetime.date, datetime.date]:
        """Code, first and last day of the school year starting in `start_year`."""
        start, end = school_year.bounds(start_year)
        return school_year.code(start_year), start, end

    @staticmethod
    def start_year_of(day: datetime.date) -> int:
        """The calendar year in which the school year containing `day` starts."""
        return school_year.start_year_of(day)


class SchoolType(models.TextChoices):
    GS = "GS", _("primary school (Grundschule)")
    HS = "HS", _("Hauptschule")
    RS = "RS", _("Realschule")
    SK = "SK", _("Sekundarschule")
    GE = "GE", _("comprehensive school (Gesamtschule)")
    GY = "GY", _("Gymnasium")
    PR = "PR", _("PRIMUS school")
    FS = "FS", _("special school (Förderschule)")
    BK = "BK", _("vocational college (Berufskolleg)")
    WB = "WB", _("adult education college (Weiterbildungskolleg)")
    FW = "FW", _("Waldorf school")
    OTHER = "OTHER", _("other school")


class SchoolQuerySet(models.QuerySet["School"]):
    def active(self) -> SchoolQuerySet:
        return self.filter(active=True)


class School(models.Model):
    class LegalStatus(models.TextChoices):
        PUBLIC = "public", _("public")
        PRIVATE = "private", _("private (Ersatzschule)")

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="schools",
    )
    school_number = models.CharField(
        _("school number"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(SCHOOL_NUMBER_RE, _("The school number has exactly 6 digits."))],
    )
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=200, blank=True)
    school_type = models.CharField(_("school type"), max_length=5, choices=SchoolType.choices)
    school_type_label = models.CharField(_("school type (official)"), max_length=100, blank=True)
    legal_status = models.CharField(
        _("legal status"), max_length=10, choices=LegalStatus.choices, default=LegalStatus.PUBLIC
    )
    authority_number = models.CharField(_("school authority number"), max_length=10, blank=True)
    authority_name = models.CharField(_("school authority"), max_length=200, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(school_number__regex=SCHOOL_NUMBER_RE), name="school_number_6_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_number})"


class SchoolYearFigures(models.Model):
    """Pupils, Sozialindex and Startchancen of one school in one school year."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="figures")
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.PROTECT, related_name="+"
    )
    pupils = models.PositiveIntegerField(_("pupils"), null=True, blank=True)
    social_index = models.PositiveSmallIntegerField(
        _("Sozialindex"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("Stage 1 (least) to 9 (highest burden); empty for schools without an index."),
    )
    startchancen = models.BooleanField(
        _("Startchancen school"), null=True, blank=True, default=None
    )

    class Meta:
        verbose_name = _("school figures per year")
        verbose_name_plural = _("school figures per year")
        ordering = ["-school_year__start"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"], name="figures_one_per_school_year"
            ),
            models.CheckConstraint(
                condition=Q(social_index__isnull=True)
                | Q(social_index__gte=1, social_index__lte=9),
                name="figures_social_index_1_to_9",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.school_number} {self.school_year.code}"

    @property
    def municipality_id(self) -> int:
        return self.school.municipality_id


class Carrier(models.Model):
    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("municipality (öffentlicher Träger)")
        WELFARE = "welfare", _("welfare association")
        NONPROFIT = "nonprofit", _("non-profit organisation")
        STATE = "state", _("federal state (Land staff)")

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="carriers",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="carrier_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Function(models.TextChoices):
    SOCIAL_WORK = "social_work", _("school social work")
    COORDINATION = "coordination", _("coordination")


class StaffQuerySet(models.QuerySet["StaffMember"]):
    def employed_on(self, day: datetime.date) -> StaffQuerySet:
        return self.filter(
            Q(contract_end__isnull=True) | Q(contract_end__gte=day), contract_start__lte=day
        )


class StaffMember(models.Model):
    class Qualification(models.TextChoices):
        SOCIAL_WORK_BA = "sw_ba", _("social work / social pedagogy (BA, Diplom FH)")
        SOCIAL_WORK_MA = "sw_ma", _("social work / social pedagogy (MA, Diplom)")
        EDUCATION = "education", _("educational science")
        OTHER = "other", _("other qualification")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="staff"
    )
    carrier = models.ForeignKey(
        Carrier,
        verbose_name=_("employer (carrier)"),
        on_delete=models.PROTECT,
        related_name="staff",
    )
    label = models.CharField(
        _("name or code"),
        max_length=120,
        help_text=_("As the carrier names the person in its own staff list; a code is enough."),
    )
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_member",
    )
    function = models.CharField(
        _("function"), max_length=20, choices=Function.choices, default=Function.SOCIAL_WORK
    )
    qualification = models.CharField(
        _("qualification"), max_length=20, choices=Qualification.choices
    )
    weekly_hours = models.DecimalField(_("weekly hours"), max_digits=5, decimal_places=2)
    fte = models.DecimalField(_("FTE"), max_digits=5, decimal_places=4)
    contract_start = models.DateField(_("contract start"))
    contract_end = models.DateField(
        _("contract end"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a permanent contract."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["label"]
        constraints = [
            models.CheckConstraint(condition=Q(fte__gt=0) & Q(fte__lte=1), name="staff_fte_0_to_1"),
            models.CheckConstraint(condition=Q(weekly_hours__gt=0), name="staff_hours_positive"),
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_end__gt=models.F("contract_start")),
                name="staff_contract_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_fixed_term(self) -> bool:
        return self.contract_end is not None


class FundingStream(models.Model):
    class Kind(models.TextChoices):
        LAND = "land", _("state funding (Land NRW)")
        MUNICIPAL = "municipal", _("municipal funds")
        FEDERAL = "federal", _("federal funds")
        OTHER = "other", _("other funds")

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="funding_streams",
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    funding_share_percent = models.DecimalField(
        _("share funded (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    max_eligible_per_fte = models.DecimalField(
        _("eligible costs per FTE at most (EUR)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("funding stream")
        verbose_name_plural = _("funding streams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="fundingstream_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FundingBudget(models.Model):
    stream = models.ForeignKey(
        FundingStream,
        verbose_name=_("funding stream"),
        on_delete=models.CASCADE,
        related_name="budgets",
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.PROTECT, related_name="+"
    )
    available_eur = models.DecimalField(_("available (EUR)"), max_digits=12, decimal_places=2)
    cost_per_fte_eur = models.DecimalField(
        _("cost rate per FTE (EUR)"), max_digits=10, decimal_places=2
    )

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-school_year__start"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "school_year"], name="budget_one_per_year"),
            models.CheckConstraint(
                condition=Q(available_eur__gte=0), name="budget_available_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(cost_per_fte_eur__gt=0), name="budget_cost_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.school_year}"

    @property
    def municipality_id(self) -> int:
        return self.stream.municipality_id


class PositionQuerySet(models.QuerySet["Position"]):
    def active_on(self, day: datetime.date) -> PositionQuerySet:
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)


class Position(models.Model):
    """A funded position (Stelle), held by a staff member or vacant."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    code = models.CharField(_("position code"), max_length=40)
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="positions"
    )
    funding_stream = models.ForeignKey(
        FundingStream,
        verbose_name=_("funding stream"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    function = models.CharField(
        _("function"), max_length=20, choices=Function.choices, default=Function.SOCIAL_WORK
    )
    fte = models.DecimalField(_("FTE"), max_digits=5, decimal_places=4)
    weekly_hours = models.DecimalField(
        _("weekly hours"),
        max_digits=5,
        decimal_places=2,
        help_text=_("FTE times the full-time week."),
    )
    staff_member = models.ForeignKey(
        StaffMember,
        verbose_name=_("held by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="positions",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="position_unique_code"),
            models.CheckConstraint(
                condition=Q(fte__gt=0) & Q(fte__lte=1), name="position_fte_0_to_1"
            ),
            models.CheckConstraint(condition=Q(weekly_hours__gt=0), name="position_hours_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="position_valid_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class PositionAssignment(models.Model):
    """Hours of a position spent at one school."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="assignments")
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="assignments"
    )
    weekly_hours = models.DecimalField(_("weekly hours"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("school assignment")
        verbose_name_plural = _("school assignments")
        ordering = ["position", "school__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["position", "school"], name="assignment_one_per_school"
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0), name="assignment_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        # As the platform shows hours (19,50 h), also in the audit log.
        hours = number_format(self.weekly_hours, decimal_pos=2)
        return f"{self.position.code} → {self.school.school_number}: {hours} h"

    @property
    def municipality_id(self) -> int:
        return self.position.municipality_id
