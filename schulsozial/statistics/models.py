"""Rollups: the long-term source of the statistics pages (docs/performance.md).

Each activity adds to a few narrow rows, in the transaction that writes it
(statistics/rollups.py), so a report counts every committed record.
Retention deletes raw records after the period; the rollups stay, so every
statistics page reads rollups only.

Activity rollups have two grains in one table: ``month`` 1..12 holds a
calendar month of the school year, ``month = 0`` the whole school year. Topic,
contact-origin, partner and case rollups are kept per school year only
(``month = 0``): monthly rows there would outnumber the raw records. A yearly report reads
the few yearly rows; a month range reads the monthly rows. ``school_year`` is
the start year (2024 = 2024/25). Municipality and carrier are copied from the
school and the worker at the time of writing so that scoping needs no join.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

WHOLE_YEAR = 0


class _Rollup(models.Model):
    school_year = models.PositiveSmallIntegerField(_("school year (start year)"))
    month = models.PositiveSmallIntegerField(_("month (0 = whole school year)"))
    municipality = models.ForeignKey(
        "masterdata.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    # Indexes cost every write (an import adds hundreds of thousands of
    # cells): school and worker are served by the (school, ...) and
    # (worker, ...) indexes of each table; municipality and carrier keep
    # their own for trends over school years.
    school = models.ForeignKey(
        "masterdata.School", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    carrier = models.ForeignKey("masterdata.Carrier", on_delete=models.CASCADE, related_name="+")
    worker = models.ForeignKey(
        "masterdata.StaffMember", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Plain integers (no CHECK >= 0): a decrement of a row that a bulk loader
    # never filled must not fail a user's correction; rows at 0 are removed.
    count = models.IntegerField(_("activities"), default=0)

    class Meta:
        abstract = True


class ActivityRollup(_Rollup):
    """Activities, minutes and participants per activity type and target group."""

    # No index by catalogue entry: reports filter by year and scope first,
    # and entries are retired, never deleted (records PROTECT them).
    activity_type = models.ForeignKey(
        "activities.CatalogueEntry", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    target_group = models.ForeignKey(
        "activities.CatalogueEntry", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    minutes = models.BigIntegerField(_("minutes"), default=0)
    participants = models.BigIntegerField(_("participants"), default=0)

    class Meta:
        verbose_name = _("activity rollup")
        verbose_name_plural = _("activity rollups")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "school_year",
                    "month",
                    "school",
                    "worker",
                    "activity_type",
                    "target_group",
                ],
                name="rollup_activity_cell",
            )
        ]
        indexes = [
            models.Index(fields=["school_year", "month", "municipality"], name="rollup_act_mun"),
            models.Index(fields=["school_year", "month", "carrier"], name="rollup_act_carrier"),
            models.Index(fields=["school", "school_year", "month"], name="rollup_act_school"),
            models.Index(fields=["worker", "school_year", "month"], name="rollup_act_worker"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year}/{self.month} {self.school_id} {self.activity_type_id}: {self.count}"


class _YearlyRollup(_Rollup):
    """A rollup read per school year only (never as a trend over years): the
    (year, month, municipality/carrier) indexes serve it, so municipality and
    carrier have no single-column indexes of their own."""

    municipality = models.ForeignKey(
        "masterdata.Municipality", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    carrier = models.ForeignKey(
        "masterdata.Carrier", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        abstract = True


class DimensionRollup(_YearlyRollup):
    """Activities and minutes per topic, contact origin and partner (``kind``
    is the catalogue kind of ``entry``). An activity with two topics counts
    for each of them."""

    kind = models.CharField(max_length=20)
    entry = models.ForeignKey(  # no index of its own, as ActivityRollup's entries
        "activities.CatalogueEntry", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    minutes = models.BigIntegerField(_("minutes"), default=0)

    class Meta:
        verbose_name = _("topic/origin/partner rollup")
        verbose_name_plural = _("topic/origin/partner rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "month", "school", "worker", "entry"],
                name="rollup_dimension_cell",
            )
        ]
        indexes = [
            models.Index(fields=["school_year", "month", "municipality"], name="rollup_dim_mun"),
            models.Index(fields=["school_year", "month", "carrier"], name="rollup_dim_carrier"),
            models.Index(fields=["school", "school_year", "month"], name="rollup_dim_school"),
            models.Index(fields=["worker", "school_year", "month"], name="rollup_dim_worker"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year}/{self.month} {self.school_id} {self.entry_id}: {self.count}"


class CaseRollup(_YearlyRollup):
    """Activities per anonymous case (the keyed per-school hash, never the
    code): distinct cases are the distinct (school, case_hash) pairs. Hashes
    never link across schools, so the rollup reveals no more than the record."""

    case_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("case rollup")
        verbose_name_plural = _("case rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "month", "school", "worker", "case_hash"],
                name="rollup_case_cell",
            )
        ]
        indexes = [
            models.Index(fields=["school_year", "month", "municipality"], name="rollup_case_mun"),
            models.Index(fields=["school_year", "month", "carrier"], name="rollup_case_carrier"),
            models.Index(fields=["school", "school_year", "month"], name="rollup_case_school"),
            models.Index(fields=["worker", "school_year", "month"], name="rollup_case_worker"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year}/{self.month} {self.school_id}: {self.count}"


class SchoolRollup(models.Model):
    """Totals per school and month (``month = 0``: the whole school year), without
    worker, carrier, activity type or target group: the narrow table that
    Land- and municipality-wide reports read (school totals, months, trend,
    distinct cases). ``cases`` holds the distinct case hashes of the school
    year on the ``month = 0`` row (0 on monthly rows); it is kept on write from
    the transitions of `SchoolCaseRollup` (a hash's count going 0 -> 1 or 1 -> 0)."""

    school_year = models.PositiveSmallIntegerField(_("school year (start year)"))
    month = models.PositiveSmallIntegerField(_("month (0 = whole school year)"))
    municipality = models.ForeignKey(
        "masterdata.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    school = models.ForeignKey("masterdata.School", on_delete=models.CASCADE, related_name="+")
    count = models.IntegerField(_("activities"), default=0)
    minutes = models.BigIntegerField(_("minutes"), default=0)
    participants = models.BigIntegerField(_("participants"), default=0)
    cases = models.IntegerField(_("distinct cases"), default=0)

    class Meta:
        verbose_name = _("school rollup")
        verbose_name_plural = _("school rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "month", "school"], name="rollup_school_cell"
            )
        ]
        indexes = [
            models.Index(fields=["school_year", "month", "municipality"], name="rollup_school_mun"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year}/{self.month} {self.school_id}: {self.count}"


class SchoolCaseRollup(models.Model):
    """Activities per (school year, school, case hash) over all workers: the
    row lock of its upsert serialises concurrent writers of one case, so the
    distinct-case counter in `SchoolRollup.cases` stays exact."""

    school_year = models.PositiveSmallIntegerField(_("school year (start year)"))
    # Looked up by its unique (school year, school, case hash) key only.
    municipality = models.ForeignKey(
        "masterdata.Municipality", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    school = models.ForeignKey(
        "masterdata.School", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    case_hash = models.CharField(max_length=64)
    count = models.IntegerField(_("activities"), default=0)

    class Meta:
        verbose_name = _("school case rollup")
        verbose_name_plural = _("school case rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "school", "case_hash"], name="rollup_school_case_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_year} {self.school_id}: {self.count}"


ROLLUP_MODELS = (ActivityRollup, DimensionRollup, CaseRollup, SchoolRollup, SchoolCaseRollup)
