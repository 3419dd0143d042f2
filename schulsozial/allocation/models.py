"""Distribution scenarios: rules (RULES.toml), their computed result, and the
adoption of one scenario per municipality and school year."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ScenarioQuerySet(models.QuerySet["Scenario"]):
    def adopted(self) -> ScenarioQuerySet:
        return self.filter(status=Scenario.Status.ADOPTED)


class Scenario(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ADOPTED = "adopted", _("adopted")
        SUPERSEDED = "superseded", _("superseded")

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="scenarios",
    )
    school_year = models.ForeignKey(
        "masterdata.SchoolYear",
        verbose_name=_("school year"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    rules_toml = models.TextField(_("rules (TOML)"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_body = models.CharField(_("deciding body"), max_length=200, blank=True)
    decision_date = models.DateField(_("date of decision"), null=True, blank=True)
    decision_reference = models.CharField(_("council paper number"), max_length=100, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = ScenarioQuerySet.as_manager()

    class Meta:
        verbose_name = _("distribution scenario")
        verbose_name_plural = _("distribution scenarios")
        ordering = ["-school_year__start", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "school_year"],
                condition=Q(status="adopted"),
                name="scenario_one_adopted_per_year",
            ),
            models.CheckConstraint(
                condition=~Q(status="adopted") | Q(adopted_at__isnull=False),
                name="scenario_adopted_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year})"

    def get_absolute_url(self) -> str:
        return reverse("allocation:scenario_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT
