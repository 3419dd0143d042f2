"""Contracts of the staff: the history of each person's employment
contracts, their extensions, and the municipality's settings for the
Entfristung goal, the NRW funding caps and the continuity flag.

Extensions are records of their contract (`ContractExtension`), not
successive contracts: the chain of one contract stays visible (how often a
fixed term was extended, from which end to which), which is what labour law
(§ 14 TzBfG) and the carriers look at. A new contract (other hours, other
employer, after a gap) is a new `Contract`. An extension without a new end
makes the contract permanent (an Entfristung).

`StaffMember.contract_start`/`contract_end` stay the masterdata view of the
current contract; the services keep them in step with the history.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    """Why a contract is fixed-term (or, on an extension, why it was extended)."""

    FUNDING_ENDS = "funding_ends", _("funding ends")
    SUBSTITUTION = "substitution", _("substitution (parental leave, illness)")
    PROJECT = "project", _("project term")
    WITHOUT_REASON = "without_reason", _("without objective reason (sachgrundlos)")
    OTHER = "other", _("other reason")


class Contract(models.Model):
    class Kind(models.TextChoices):
        FIXED_TERM = "fixed_term", _("fixed-term")
        PERMANENT = "permanent", _("permanent")

    staff_member = models.ForeignKey(
        "masterdata.StaffMember",
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="contracts",
    )
    carrier = models.ForeignKey(
        "masterdata.Carrier",
        verbose_name=_("employer (carrier)"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    kind = models.CharField(_("kind of contract"), max_length=20, choices=Kind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(
        _("end"), null=True, blank=True, help_text=_("Leave empty for a permanent contract.")
    )
    reason = models.CharField(
        _("reason for the fixed term"), max_length=20, choices=Reason.choices, blank=True
    )
    reason_text = models.CharField(_("reason (other)"), max_length=200, blank=True)
    funding_stream = models.ForeignKey(
        "masterdata.FundingStream",
        verbose_name=_("funding stream"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    weekly_hours = models.DecimalField(_("weekly hours"), max_digits=5, decimal_places=2)
    fte = models.DecimalField(_("FTE"), max_digits=5, decimal_places=4)
    pay_group = models.CharField(
        _("pay group"),
        max_length=40,
        blank=True,
        help_text=_("As the carrier records it, e.g. TVöD SuE S 11b."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["staff_member__label", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind="permanent", end__isnull=True)
                | Q(kind="fixed_term", end__isnull=False),
                name="contract_kind_matches_end",
            ),
            models.CheckConstraint(
                condition=Q(kind="fixed_term") | Q(reason=""), name="contract_reason_only_fixed"
            ),
            models.CheckConstraint(
                condition=Q(fte__gt=0) & Q(fte__lte=1), name="contract_fte_0_to_1"
            ),
            models.CheckConstraint(condition=Q(weekly_hours__gt=0), name="contract_hours_positive"),
        ]
        indexes = [models.Index(fields=["kind", "end"], name="contract_kind_end")]

    def __str__(self) -> str:
        if self.end is None:
            return f"{self.staff_member.label}: {self.start:%d.%m.%Y} –"
        return f"{self.staff_member.label}: {self.start:%d.%m.%Y} – {self.end:%d.%m.%Y}"

    @property
    def municipality_id(self) -> int:
        return self.staff_member.municipality_id

    @property
    def is_fixed_term(self) -> bool:
        return self.end is not None

    def reason_display(self) -> str:
        if self.reason == Reason.OTHER and self.reason_text:
            return self.reason_text
        return str(self.get_reason_display()) if self.reason else ""


class ContractExtension(models.Model):
    """One extension of a contract: from `previous_end` to `new_end` (empty:
    made permanent), agreed on `agreed_on`."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="extensions"
    )
    previous_end = models.DateField(_("previous end"))
    new_end = models.DateField(
        _("new end"), null=True, blank=True, help_text=_("Leave empty to make it permanent.")
    )
    agreed_on = models.DateField(_("agreed on"))
    reason = models.CharField(
        _("reason for the fixed term"), max_length=20, choices=Reason.choices, blank=True
    )
    reason_text = models.CharField(_("reason (other)"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contract extension")
        verbose_name_plural = _("contract extensions")
        ordering = ["contract", "previous_end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_end__isnull=True) | Q(new_end__gt=F("previous_end")),
                name="extension_after_previous_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.staff_member.label}: {self.previous_end:%d.%m.%Y} →"

    @property
    def municipality_id(self) -> int:
        return self.contract.municipality_id


class ContractSettings(models.Model):
    """A municipality's settings for contracts (defaults: the NRW funding rule
    of 2022/2025, PRODUCT.md §4). Without a row the defaults apply."""

    municipality = models.OneToOneField(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="contract_settings",
    )
    target_fixed_term_percent = models.DecimalField(
        _("target: fixed-term share of FTE at most (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    target_year = models.PositiveSmallIntegerField(
        _("target reached by (first year of the school year)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("Empty: three school years from now."),
    )
    default_cost_per_fte_eur = models.DecimalField(
        _("cost rate per FTE where no budget gives one (EUR)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("70000"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    land_max_share_percent = models.DecimalField(
        _("Land funding: share of eligible costs at most (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    land_max_eligible_per_fte_eur = models.DecimalField(
        _("Land funding: eligible costs per full-time position at most (EUR)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("70000"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    land_max_eligible_justified_eur = models.DecimalField(
        _("Land funding: in justified cases at most (EUR)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("80000"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    frequent_change_workers = models.PositiveSmallIntegerField(
        _("continuity: flag a school with this many different workers in 3 school years"),
        default=3,
        validators=[MinValueValidator(2)],
    )

    class Meta:
        verbose_name = _("contract settings")
        verbose_name_plural = _("contract settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    land_max_eligible_justified_eur__gte=F("land_max_eligible_per_fte_eur")
                ),
                name="contract_settings_justified_cap_not_below_cap",
            ),
        ]

    def __str__(self) -> str:
        return str(self.municipality)
