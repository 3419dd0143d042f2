"""The statistics scopes a user may take, and the filters of a report.

Who may see what is decided in `statistics.permissions`; this module only reads the
objects those rules name (carriers, schools, municipalities) and builds one `Scope`
per view the user may take."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.accounts.models import User
from schulsozial.core import school_year
from schulsozial.masterdata.models import Carrier, Municipality, School, StaffMember

from .. import permissions
from ..sources import Where, months_between

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Scope:
    """One view on the statistics a user may take (a user may have several)."""

    key: str
    kind: str  # coordination | committee | carrier | worker | principal | land
    label: str
    municipality_ids: frozenset[int]
    school_ids: frozenset[int] | None = None
    carrier_ids: frozenset[int] | None = None
    worker_id: int | None = None
    protected: bool = True
    threshold: int = DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Filters:
    school_year: int
    month_from: int | None = None
    month_to: int | None = None
    school_id: int | None = None
    school_type: str = ""
    carrier_id: int | None = None
    activity_type_id: int | None = None


def current_school_year() -> int:
    return school_year.start_year_of(timezone.localdate())


@dataclass(frozen=True)
class _Objects:
    """What the user's statistics rules name, read in one query per kind."""

    carriers: dict[int, Carrier]
    principal_schools: dict[int, School]
    worker: StaffMember | None
    worker_schools: dict[int, School]
    municipalities: dict[int, Municipality]

    def threshold(self, ids: set[int]) -> int:
        """The strictest disclosure threshold of the municipalities `ids`."""
        found = [
            self.municipalities[i].disclosure_threshold for i in ids if i in self.municipalities
        ]
        return max(found or [DEFAULT_THRESHOLD])


def _objects(user: object, rules: permissions.StatisticsRules) -> _Objects:
    carriers = {
        c.pk: c
        for c in Carrier.objects.filter(pk__in=rules.carriers).only("pk", "name", "municipality_id")
    }
    principal_schools = {
        s.pk: s
        for s in School.objects.filter(pk__in=rules.principal_schools).only(
            "pk", "name", "municipality_id"
        )
    }
    worker = None
    worker_schools: dict[int, School] = {}
    if rules.worker and isinstance(user, User):  # a worker's grant is a user's
        worker = (
            StaffMember.objects.filter(user=user).only("pk", "label", "municipality_id").first()
        )
        worker_schools = {
            s.pk: s
            for s in School.objects.filter(pk__in=rules.worker_schools).only(
                "pk", "municipality_id"
            )
        }
    municipality_ids = set(rules.municipalities) | set(rules.committee_municipalities)
    municipality_ids |= {c.municipality_id for c in carriers.values()}
    municipality_ids |= {s.municipality_id for s in principal_schools.values()}
    municipality_ids |= {s.municipality_id for s in worker_schools.values()}
    municipalities = {
        m.pk: m
        for m in Municipality.objects.filter(pk__in=municipality_ids).only(
            "pk", "name", "disclosure_threshold"
        )
    }
    return _Objects(carriers, principal_schools, worker, worker_schools, municipalities)


def scopes_for(*, user: object) -> list[Scope]:
    """Every statistics scope of the user, in the order of the roles."""
    rules = permissions.statistics_rules(user)
    found = _objects(user, rules)
    municipalities = found.municipalities
    scopes: list[Scope] = []
    for mid in sorted(rules.municipalities):
        if mid in municipalities:
            scopes.append(
                Scope(
                    key=f"coordination-{mid}",
                    kind="coordination",
                    label=_("Coordination: %(name)s") % {"name": municipalities[mid].name},
                    municipality_ids=frozenset({mid}),
                    protected=False,
                    threshold=found.threshold({mid}),
                )
            )
    for cid, carrier in sorted(found.carriers.items()):
        scopes.append(
            Scope(
                key=f"carrier-{cid}",
                kind="carrier",
                label=_("Carrier: %(name)s") % {"name": carrier.name},
                municipality_ids=frozenset({carrier.municipality_id}),
                carrier_ids=frozenset({cid}),
                threshold=found.threshold({carrier.municipality_id}),
            )
        )
    if found.worker is not None and found.worker_schools:
        mids = {s.municipality_id for s in found.worker_schools.values()}
        scopes.append(
            Scope(
                key="worker",
                kind="worker",
                label=_("My own documentation"),
                municipality_ids=frozenset(mids),
                school_ids=frozenset(found.worker_schools),
                worker_id=found.worker.pk,
                protected=False,
                threshold=found.threshold(mids),
            )
        )
    for sid, school in sorted(found.principal_schools.items()):
        scopes.append(
            Scope(
                key=f"principal-{sid}",
                kind="principal",
                label=_("School: %(name)s") % {"name": school.name},
                municipality_ids=frozenset({school.municipality_id}),
                school_ids=frozenset({sid}),
                threshold=found.threshold({school.municipality_id}),
            )
        )
    for mid in sorted(rules.committee_municipalities):
        if mid in municipalities:
            scopes.append(
                Scope(
                    key=f"committee-{mid}",
                    kind="committee",
                    label=_("Published statistics: %(name)s") % {"name": municipalities[mid].name},
                    municipality_ids=frozenset({mid}),
                    threshold=found.threshold({mid}),
                )
            )
    return scopes


def land_scope() -> Scope:
    """Every municipality (for the benchmark and a Land-level operator), protected."""
    ids = frozenset(Municipality.objects.values_list("pk", flat=True))
    return Scope(key="land", kind="land", label=_("Land"), municipality_ids=ids)


def where_for(scope: Scope, filters: Filters) -> Where:
    """Scope and filters as the plain ids the sources read."""
    return Where(
        school_year=filters.school_year,
        municipality_ids=scope.municipality_ids,
        school_ids=scope.school_ids,
        carrier_ids=scope.carrier_ids,
        worker_id=scope.worker_id,
        months=months_between(filters.month_from, filters.month_to),
        school_id=filters.school_id,
        school_type=filters.school_type,
        carrier_id=filters.carrier_id,
        activity_type_id=filters.activity_type_id,
    )


def schools_in(scope: Scope) -> Q:
    """The schools whose figures the scope can hold (for filter choices and pupils)."""
    q = Q(municipality_id__in=scope.municipality_ids)
    if scope.school_ids is not None:
        q &= Q(pk__in=scope.school_ids)
    if scope.carrier_ids is not None:
        q &= Q(assignments__position__carrier_id__in=scope.carrier_ids)
    return q
