"""The staffing plan (Stellenplanung, issue 15): who works where in a school
year, planned from the adopted distribution of that year.

A plan belongs to a municipality and a school year; it starts from the
adopted scenario of that year (`scenario`, the FTE target per school) or, for
a school-year rollover, from what continues (`scenario` empty). A carrier's
own plan (`carrier` set) covers that carrier's staff only.

Storage (documented choice): the solver's result is kept twice on purpose.
The rows a user acts on and that other tables point at are rows with
database constraints: `PlanAssignment` (person, school, FTE) and `PlanChange`
(every changed pair with its reason). The per-school table (target against
assigned FTE), the unfilled needs and the solver figures (status, objective,
bound) are the solver's PLAN.json in `result`; `problem` is the PROBLEM.json
the last solve read (reproducible with `python -m schulsozial.staffing`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StaffingPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SOLVING = "solving", _("being calculated")
        SOLVED = "solved", _("calculated")
        ACCEPTED = "accepted", pgettext_lazy("staffing plan", "accepted")
        DISCARDED = "discarded", _("discarded")

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="staffing_plans",
    )
    school_year = models.ForeignKey(
        "masterdata.SchoolYear",
        verbose_name=_("school year"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scenario = models.ForeignKey(
        "allocation.Scenario",
        verbose_name=_("distribution scenario"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staffing_plans",
    )
    carrier = models.ForeignKey(
        "masterdata.Carrier",
        verbose_name=_("carrier (own staff only)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staffing_plans",
    )
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    step_fte = models.DecimalField(
        _("step (FTE)"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))],
    )
    weight_deviation = models.DecimalField(
        _("weight of a deviation from the target"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1"),
    )
    weight_change = models.DecimalField(
        _("weight of a changed assignment"), max_digits=6, decimal_places=3, default=Decimal("0.25")
    )
    time_limit_seconds = models.PositiveIntegerField(
        _("time limit of the calculation (seconds)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    problem = models.JSONField(_("input of the calculation"), default=dict, blank=True)
    result = models.JSONField(_("result of the calculation"), default=dict, blank=True)
    progress = models.JSONField(_("progress of the calculation"), default=dict, blank=True)
    error = models.TextField(_("why the calculation failed"), blank=True)
    solved_at = models.DateTimeField(_("calculated at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("staffing plan")
        verbose_name_plural = _("staffing plans")
        ordering = ["-school_year__start", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False),
                name="staffingplan_accepted_has_date",
            ),
            models.CheckConstraint(
                condition=Q(step_fte__gt=0) & Q(step_fte__lte=1), name="staffingplan_step_range"
            ),
            models.CheckConstraint(
                condition=Q(weight_deviation__gte=0) & Q(weight_change__gte=0),
                name="staffingplan_weights_nonnegative",
            ),
            models.UniqueConstraint(
                fields=["municipality", "school_year"],
                condition=Q(status="accepted", carrier__isnull=True),
                name="staffingplan_one_accepted_per_year",
            ),
            models.UniqueConstraint(
                fields=["municipality", "school_year", "carrier"],
                condition=Q(status="accepted", carrier__isnull=False),
                name="staffingplan_one_accepted_per_carrier_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year})"

    def get_absolute_url(self) -> str:
        return reverse("staffing:plan_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Pins, bans and a new calculation are possible (also when a
        calculation has hung, e.g. its worker was restarted)."""
        return self.status in (self.Status.DRAFT, self.Status.SOLVED) or self.is_stuck

    @property
    def is_stuck(self) -> bool:
        """Calculating for longer than its time limit plus five minutes."""
        since = (self.progress or {}).get("since")
        if self.status != self.Status.SOLVING or not since:
            return False
        started = datetime.datetime.fromisoformat(since)
        limit = datetime.timedelta(seconds=self.time_limit_seconds + 300)
        return timezone.now() - started > limit


class PlanPair(models.Model):
    """A person and a school the user set on a plan (a pin or a ban); each
    subclass has its own `plan` key with its related name."""

    plan: models.ForeignKey[StaffingPlan, StaffingPlan]
    staff = models.ForeignKey(
        "masterdata.StaffMember",
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    school = models.ForeignKey(
        "masterdata.School", verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["staff__label", "school__name"]

    @property
    def municipality_id(self) -> int:
        return self.plan.municipality_id


class PlanPin(PlanPair):
    """A fixed assignment (Festlegung): the solver keeps it exactly."""

    plan = models.ForeignKey(StaffingPlan, on_delete=models.CASCADE, related_name="pins")
    fte = models.DecimalField(_("FTE"), max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = _("fixed assignment")
        verbose_name_plural = _("fixed assignments")
        ordering = ["staff__label", "school__name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "staff", "school"], name="planpin_unique"),
            models.CheckConstraint(
                condition=Q(fte__gt=0) & Q(fte__lte=1), name="planpin_fte_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} → {self.school.school_number}: {self.fte}"


class PlanBan(PlanPair):
    """A forbidden pair: the solver never assigns this person to this school."""

    plan = models.ForeignKey(StaffingPlan, on_delete=models.CASCADE, related_name="bans")

    class Meta:
        verbose_name = _("excluded assignment")
        verbose_name_plural = _("excluded assignments")
        ordering = ["staff__label", "school__name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "staff", "school"], name="planban_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} ↛ {self.school.school_number}"


class PlanAssignment(models.Model):
    """One row of the solver's result: a person's FTE at a school."""

    plan = models.ForeignKey(StaffingPlan, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(
        "masterdata.StaffMember",
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    school = models.ForeignKey(
        "masterdata.School", verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    fte = models.DecimalField(_("FTE"), max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = _("planned assignment")
        verbose_name_plural = _("planned assignments")
        ordering = ["school__name", "staff__label"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "staff", "school"], name="planassignment_unique"
            ),
            models.CheckConstraint(
                condition=Q(fte__gt=0) & Q(fte__lte=1), name="planassignment_fte_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} → {self.school.school_number}: {self.fte}"


class PlanChange(models.Model):
    """A (person, school) pair the plan adds, removes or changes against the
    current assignments, with the solver's reason."""

    class Kind(models.TextChoices):
        ADDED = "added", _("new")
        REMOVED = "removed", _("ends")
        CHANGED = "changed", _("changed")

    plan = models.ForeignKey(StaffingPlan, on_delete=models.CASCADE, related_name="changes")
    staff = models.ForeignKey(
        "masterdata.StaffMember",
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    school = models.ForeignKey(
        "masterdata.School", verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    fte_before = models.DecimalField(
        _("FTE so far"), max_digits=5, decimal_places=4, default=Decimal(0)
    )
    fte_after = models.DecimalField(
        _("FTE planned"), max_digits=5, decimal_places=4, default=Decimal(0)
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("changed assignment")
        verbose_name_plural = _("changed assignments")
        ordering = ["staff__label", "school__name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "staff", "school"], name="planchange_unique"),
            models.CheckConstraint(
                condition=(Q(kind="added") & Q(fte_before=0) & Q(fte_after__gt=0))
                | (Q(kind="removed") & Q(fte_before__gt=0) & Q(fte_after=0))
                | (Q(kind="changed") & Q(fte_before__gt=0) & Q(fte_after__gt=0)),
                name="planchange_kind_matches_fte",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} / {self.school.school_number}: {self.kind}"


class SchoolCarrier(models.Model):
    """The municipality's assignment of a school to one carrier, where it has
    one: only that carrier's staff may then work at the school."""

    school = models.OneToOneField(
        "masterdata.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="staffing_carrier",
    )
    carrier = models.ForeignKey(
        "masterdata.Carrier",
        verbose_name=_("carrier"),
        on_delete=models.CASCADE,
        related_name="assigned_schools",
    )

    class Meta:
        verbose_name = _("carrier responsible for a school")
        verbose_name_plural = _("carriers responsible for schools")
        ordering = ["school__name"]

    def __str__(self) -> str:
        return f"{self.school} → {self.carrier}"

    @property
    def municipality_id(self) -> int:
        return self.school.municipality_id
