"""The test oracle of the rollups: the cells of some records recomputed from
raw rows with the ORM (grouped queries), independent of both codings in
statistics/rollups.py (`cells_of` and the set-based `replace_cells`), and
the check the statistics tests run after writes."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear

from schulsozial.activities.models import Activity, CatalogueKind
from schulsozial.statistics.models import WHOLE_YEAR
from schulsozial.statistics.rollups import TABLES, Cells


def _school_year(date: str) -> Case:
    return Case(
        When(**{f"{date}__month__gte": 8}, then=ExtractYear(date)),
        default=ExtractYear(date) - 1,
        output_field=IntegerField(),
    )


def stored_cells(**filters: Any) -> Cells:
    """The rollup cells in the database, as `cells_of` and `recompute` give them."""
    out: Cells = {}
    for name, table in TABLES.items():
        rows = table.model.objects.filter(**filters).values_list(*table.place, *table.sums)
        n = len(table.place)
        out[name] = {tuple(r[:n]): list(r[n:]) for r in rows}
    return out


def recompute(activities: QuerySet[Activity]) -> Cells:
    """The cells of the given records, computed from raw rows in the database."""
    out: Cells = {name: {} for name in TABLES}
    base = activities.annotate(
        sy=_school_year("date"),
        m=ExtractMonth("date"),
        mun=F("school__municipality_id"),
        car=F("worker__carrier_id"),
    )
    topic_links = Activity.topics.through.objects.filter(
        activity__in=activities.values("pk")
    ).annotate(
        sy=_school_year("activity__date"),
        mun=F("activity__school__municipality_id"),
        car=F("activity__worker__carrier_id"),
        school_id=F("activity__school_id"),
        worker_id=F("activity__worker_id"),
    )
    place = ["sy", "mun", "school_id", "car", "worker_id"]

    def put(table: str, rows: Any, month: Any, fields: list[str], sums: list[str]) -> None:
        for r in rows:
            m = r["m"] if month is None else month
            where = (r["sy"], m, *(r[f] for f in fields))
            out[table][where] = [r.get(s) or 0 for s in sums]  # "zero": no such sum

    for monthly in (True, False):
        by = ["m"] if monthly else []
        month = None if monthly else WHOLE_YEAR
        put(
            "activity",
            base.values(*place, *by, "activity_type_id", "target_group_id")
            .annotate(n=Count("pk"), mins=Sum("minutes"), p=Sum("participants"))
            .order_by(),
            month,
            ["mun", "school_id", "car", "worker_id", "activity_type_id", "target_group_id"],
            ["n", "mins", "p"],
        )
        put(
            "school",
            base.values("sy", "mun", "school_id", *by)
            .annotate(
                n=Count("pk"),
                mins=Sum("minutes"),
                p=Sum("participants"),
                cases=Count("case_hash", distinct=True, filter=~Q(case_hash="")),
            )
            .order_by(),
            month,
            ["mun", "school_id"],
            ["n", "mins", "p", "zero" if monthly else "cases"],
        )
    yearly = ["mun", "school_id", "car", "worker_id"]
    for field, kind in (
        ("contact_origin_id", CatalogueKind.CONTACT_ORIGIN),
        ("partner_id", CatalogueKind.PARTNER),
    ):
        put(
            "dimension",
            base.filter(**{f"{field}__isnull": False})
            .values(*place, field)
            .annotate(n=Count("pk"), mins=Sum("minutes"), kind=Value(str(kind)))
            .order_by(),
            WHOLE_YEAR,
            [*yearly, "kind", field],
            ["n", "mins"],
        )
    put(
        "dimension",
        topic_links.values(*place, "catalogueentry_id")
        .annotate(
            n=Count("pk"), mins=Sum("activity__minutes"), kind=Value(str(CatalogueKind.TOPIC))
        )
        .order_by(),
        WHOLE_YEAR,
        [*yearly, "kind", "catalogueentry_id"],
        ["n", "mins"],
    )
    put(
        "case",
        base.exclude(case_hash="").values(*place, "case_hash").annotate(n=Count("pk")).order_by(),
        WHOLE_YEAR,
        [*yearly, "case_hash"],
        ["n"],
    )
    for r in (
        base.exclude(case_hash="")
        .values("sy", "mun", "school_id", "case_hash")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        out["school_case"][(r["sy"], r["mun"], r["school_id"], r["case_hash"])] = [r["n"]]
    return out


def assert_rollups_hold_the_records() -> None:
    """The rollups hold exactly the stored records: every cell equals its
    recomputation from the raw records."""
    stored = stored_cells()
    fresh = recompute(Activity.objects.all())
    for table in TABLES:
        assert stored[table] == fresh[table], table
