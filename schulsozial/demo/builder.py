"""The demo: Herne and Kamen with their real schools (open data) and invented,
plausible carriers' staff, positions and money, labelled as demo data.

Sizes follow the published figures in shared/data/schulsozialarbeit_kennzahlen.csv:
Herne about 48 FTE (Radio Herne, 3rd administration report), carriers Land NRW,
Stadt Herne and two non-profit carriers (15 positions under the 2022 funding
contract); Kamen 5.5 FTE on 6 persons (2019), Stadt Kamen and Land staff.
Persons are codes such as "Fachkraft HER-07", never real-looking names.
"""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.accounts.models import Role, User
from schulsozial.accounts.services import role_assign
from schulsozial.core import school_year
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata import services
from schulsozial.masterdata.importing import import_schools
from schulsozial.masterdata.models import (
    Carrier,
    Function,
    FundingStream,
    Municipality,
    School,
    SchoolType,
    StaffMember,
)
from schulsozial.masterdata.selectors import with_latest_figures

SHARED_DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
HERNE, KAMEN = "05916000", "05978020"

INDEX_FACTOR = {1: 0.8, 2: 0.85, 3: 0.9, 4: 1.0, 5: 1.1, 6: 1.2, 7: 1.35, 8: 1.5, 9: 1.65}


@dataclass(frozen=True)
class CarrierSpec:
    name: str
    kind: str
    share: Decimal  # share of the social-work FTE
    stream: str
    fixed_term: int = 0  # how many of its staff have fixed-term contracts


@dataclass(frozen=True)
class TownSpec:
    ags: str
    prefix: str
    social_fte: Decimal
    coordination_fte: Decimal
    carriers: list[CarrierSpec]
    streams: list[dict[str, Any]]
    uncovered: int  # how many small schools get no social work in the demo
    principal_school: str
    worker_school: str


HERNE_SPEC = TownSpec(
    ags=HERNE,
    prefix="HER",
    social_fte=Decimal("48.0"),
    coordination_fte=Decimal("2.0"),
    carriers=[
        CarrierSpec("Land NRW (Landesbedienstete)", Carrier.Kind.STATE, Decimal("0.64"), "LAND"),
        CarrierSpec(
            "Gemeinnützige Beschäftigungsgesellschaft Herne",
            Carrier.Kind.NONPROFIT,
            Decimal("0.16"),
            "FRL",
            2,
        ),
        CarrierSpec(
            "Gesellschaft Freie Sozialarbeit", Carrier.Kind.NONPROFIT, Decimal("0.15"), "FRL", 2
        ),
        CarrierSpec("Stadt Herne", Carrier.Kind.MUNICIPAL, Decimal("0.05"), "KOM"),
    ],
    streams=[
        {
            "code": "LAND",
            "name": "Landesstellen Schulsozialarbeit (Lehrerstellen)",
            "kind": FundingStream.Kind.LAND,
            "share": Decimal("100"),
            "max": None,
            "rate": Decimal("68000"),
            "budget_factor": Decimal("1.00"),
        },
        {
            "code": "FRL",
            "name": "Förderrichtlinie Schulsozialarbeit NRW",
            "kind": FundingStream.Kind.LAND,
            "share": Decimal("80"),
            "max": Decimal("70000"),
            "rate": Decimal("71500"),
            "budget_factor": Decimal("1.02"),
        },
        {
            "code": "KOM",
            "name": "Kommunale Mittel Stadt Herne",
            "kind": FundingStream.Kind.MUNICIPAL,
            "share": None,
            "max": None,
            "rate": Decimal("74000"),
            "budget_factor": Decimal("0.97"),
        },
    ],
    uncovered=2,
    principal_school="100116",  # Galileo-Schule (Sozialindex 8, Startchancen)
    worker_school="100116",
)

KAMEN_SPEC = TownSpec(
    ags=KAMEN,
    prefix="KAM",
    social_fte=Decimal("5.5"),
    coordination_fte=Decimal("0.5"),
    carriers=[
        CarrierSpec("Stadt Kamen", Carrier.Kind.MUNICIPAL, Decimal("0.64"), "KOM", 2),
        CarrierSpec("Land NRW (Landesbedienstete)", Carrier.Kind.STATE, Decimal("0.36"), "LAND"),
    ],
    streams=[
        {
            "code": "LAND",
            "name": "Landesstellen Schulsozialarbeit (Lehrerstellen)",
            "kind": FundingStream.Kind.LAND,
            "share": Decimal("100"),
            "max": None,
            "rate": Decimal("68000"),
            "budget_factor": Decimal("1.00"),
        },
        {
            "code": "KOM",
            "name": "Kommunale Mittel Stadt Kamen (mit Landesförderung)",
            "kind": FundingStream.Kind.MUNICIPAL,
            "share": Decimal("80"),
            "max": Decimal("70000"),
            "rate": Decimal("72000"),
            "budget_factor": Decimal("1.05"),
        },
    ],
    uncovered=2,
    principal_school="",
    worker_school="",
)


def _half_steps(weights: dict[int, float], total: Decimal) -> dict[int, Decimal]:
    """Largest-remainder split of `total` into 0.5 FTE steps, at least 0.5 each."""
    steps = int(total * 2)
    ids = sorted(weights)
    base = dict.fromkeys(ids, 1)
    rest = steps - len(ids)
    weight_sum = sum(weights.values()) or 1.0
    quotas = {i: rest * weights[i] / weight_sum for i in ids}
    for i in ids:
        base[i] += int(quotas[i])
    left = steps - sum(base.values())
    for i in sorted(ids, key=lambda i: (-(quotas[i] - int(quotas[i])), i))[:left]:
        base[i] += 1
    return {i: Decimal(base[i]) / 2 for i in ids}


class DemoBuilder:
    def __init__(self, *, stdout: Any = None) -> None:
        self.stdout = stdout
        self.password = str(settings.SCHULSOZIAL["DEMO_PASSWORD"])
        self.users: list[tuple[str, str, str]] = []

    def log(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)

    @transaction.atomic
    def build(self) -> list[tuple[str, str, str]]:
        data = (SHARED_DATA / "schulen_herne_kamen.csv").read_bytes()
        report = import_schools(
            data=data,
            filename="schulen_herne_kamen.csv",
            municipality=None,
            by=SYSTEM,
            dry_run=False,
        )
        if not report.ok:
            raise RuntimeError("; ".join(str(e) for e in report.errors[:5]))
        self.log(_("Schools: %(summary)s") % {"summary": report.summary()})
        for code_year in (2024, 2025, 2026):
            services.school_year_get_or_create(code=school_year.code(code_year), by=SYSTEM)
        herne = Municipality.objects.get(ags=HERNE)
        kamen = Municipality.objects.get(ags=KAMEN)
        services.municipality_update(
            municipality=herne, by=SYSTEM, name="Herne", kind=Municipality.Kind.CITY
        )
        services.municipality_update(
            municipality=kamen, by=SYSTEM, name="Kamen", kind=Municipality.Kind.TOWN
        )
        self.build_town(herne, HERNE_SPEC)
        self.build_town(kamen, KAMEN_SPEC)
        self.scenarios(herne)
        from schulsozial.activities.demo import build_activities_demo

        for town in (herne, kamen):
            build_activities_demo(municipality=town, api_token=town is herne, stdout=self.stdout)
        self.global_admin()
        from schulsozial.concepts.demo import build_concepts_demo

        build_concepts_demo(herne=herne, kamen=kamen, stdout=self.stdout)
        # The later apps add their demo data in their own demo.py (each
        # `build_demo(herne=, kamen=, stdout=)`), in this order: the staffing
        # plan reads the contracts, the council links to concepts and scenarios.
        for app in ("contracts", "staffing", "quality", "council"):
            module = importlib.import_module(f"schulsozial.{app}.demo")
            module.build_demo(herne=herne, kamen=kamen, stdout=self.stdout)
        return self.users

    # ------------------------------------------------------------------ towns

    def build_town(self, municipality: Municipality, spec: TownSpec) -> None:
        start = datetime.date(2019, 8, 1)
        streams = {}
        for s in spec.streams:
            streams[s["code"]] = services.funding_stream_create(
                by=SYSTEM,
                municipality=municipality,
                code=s["code"],
                name=s["name"],
                kind=s["kind"],
                funding_share_percent=s["share"],
                max_eligible_per_fte=s["max"],
            )
        carriers = {
            c.name: services.carrier_create(
                by=SYSTEM, municipality=municipality, name=c.name, kind=c.kind, is_demo=True
            )
            for c in spec.carriers
        }
        schools = list(
            with_latest_figures(
                School.objects.filter(municipality=municipality, active=True), None
            ).order_by("school_number")
        )
        # The smallest private or index-less schools stay uncovered in the demo.
        uncovered = sorted(
            [
                s
                for s in schools
                if s.legal_status == School.LegalStatus.PRIVATE or s.school_type == SchoolType.FW
            ],
            key=lambda s: s.pupils or 0,
        )[: spec.uncovered]
        if len(uncovered) < spec.uncovered:
            rest = sorted(
                [s for s in schools if s not in uncovered and s.school_type == SchoolType.GS],
                key=lambda s: s.pupils or 0,
            )
            uncovered += rest[: spec.uncovered - len(uncovered)]
        covered = [s for s in schools if s not in uncovered]
        weights = {
            s.pk: float(s.pupils or 200) * INDEX_FACTOR.get(s.social_index or 4, 1.0)
            for s in covered
        }
        if spec.social_fte * 2 < len(covered):  # small towns: fewer schools get a half position
            covered = sorted(covered, key=lambda s: -weights[s.pk])[: int(spec.social_fte * 2)]
            weights = {s.pk: weights[s.pk] for s in covered}
        targets = _half_steps(weights, spec.social_fte)
        by_pk = {s.pk: s for s in covered}

        # Build positions: full positions at one school; leftover halves paired
        # into full positions serving two schools, or half positions.
        pieces: list[list[tuple[School, Decimal]]] = []
        halves: list[School] = []
        for pk in sorted(targets, key=lambda pk: by_pk[pk].school_number):
            fte = targets[pk]
            while fte >= 1:
                pieces.append([(by_pk[pk], Decimal("1"))])
                fte -= 1
            if fte:
                halves.append(by_pk[pk])
        for i in range(0, len(halves) - 1, 2):
            if i % 4 == 0:
                pieces.append([(halves[i], Decimal("0.5")), (halves[i + 1], Decimal("0.5"))])
            else:
                pieces.append([(halves[i], Decimal("0.5"))])
                pieces.append([(halves[i + 1], Decimal("0.5"))])
        if len(halves) % 2:
            pieces.append([(halves[-1], Decimal("0.5"))])
        if municipality.ags == HERNE:
            self.add_rule_deviations(pieces)

        # Carrier for each position, by the carriers' shares of the FTE.
        order = sorted(spec.carriers, key=lambda c: -c.share)
        carrier_quota = {c.name: c.share * spec.social_fte for c in order}
        fixed_left = {c.name: c.fixed_term for c in order}
        today = timezone.localdate()
        ordered = sorted(pieces, key=lambda p: (-sum(h for _s, h in p), p[0][0].school_number))
        for index, piece in enumerate(ordered):
            staff_no = index + 1
            fte = sum((h for _s, h in piece), Decimal(0))
            carrier_spec = max(order, key=lambda c: (carrier_quota[c.name], -order.index(c)))
            carrier_quota[carrier_spec.name] -= fte
            contract_end = None
            if (
                fixed_left[carrier_spec.name] > 0
                and fte < 1
                and carrier_spec.kind != Carrier.Kind.STATE
            ):
                fixed_left[carrier_spec.name] -= 1
                contract_end = (
                    datetime.date(today.year + 1, 7, 31)
                    if staff_no % 2
                    else datetime.date(today.year + 2, 7, 31)
                )
            hours = (fte * municipality.fulltime_week_hours).quantize(Decimal("0.01"))
            staff = services.staff_create(
                municipality=municipality,
                by=SYSTEM,
                carrier=carriers[carrier_spec.name],
                label=f"Fachkraft {spec.prefix}-{staff_no:02d}",
                function=Function.SOCIAL_WORK,
                qualification=StaffMember.Qualification.SOCIAL_WORK_BA
                if index % 3
                else StaffMember.Qualification.SOCIAL_WORK_MA,
                weekly_hours=hours,
                contract_start=start + datetime.timedelta(days=31 * (index % 40)),
                contract_end=contract_end,
                is_demo=True,
            )
            position = services.position_create(
                municipality=municipality,
                by=SYSTEM,
                code=f"{spec.prefix}-SSA-{staff_no:02d}",
                carrier=carriers[carrier_spec.name],
                funding_stream=streams[carrier_spec.stream],
                function=Function.SOCIAL_WORK,
                fte=fte,
                staff_member=staff,
                valid_from=staff.contract_start,
                valid_to=contract_end,
                is_demo=True,
            )
            for school, share in piece:
                services.assignment_set(
                    position=position,
                    school=school,
                    weekly_hours=(share * municipality.fulltime_week_hours).quantize(
                        Decimal("0.01")
                    ),
                    by=SYSTEM,
                )
        # Coordination positions at the municipal carrier.
        municipal = next(c for c in spec.carriers if c.kind == Carrier.Kind.MUNICIPAL)
        coordination_left = spec.coordination_fte
        n = 0
        while coordination_left > 0:
            n += 1
            fte = min(Decimal("1"), coordination_left)
            coordination_left -= fte
            staff = services.staff_create(
                municipality=municipality,
                by=SYSTEM,
                carrier=carriers[municipal.name],
                label=f"Koordination {spec.prefix}-{n}",
                function=Function.COORDINATION,
                qualification=StaffMember.Qualification.SOCIAL_WORK_MA,
                weekly_hours=(fte * municipality.fulltime_week_hours).quantize(Decimal("0.01")),
                contract_start=datetime.date(2015, 8, 1),
                is_demo=True,
            )
            services.position_create(
                municipality=municipality,
                by=SYSTEM,
                code=f"{spec.prefix}-KO-{n}",
                carrier=carriers[municipal.name],
                funding_stream=streams[municipal.stream],
                function=Function.COORDINATION,
                fte=fte,
                staff_member=staff,
                valid_from=datetime.date(2015, 8, 1),
                is_demo=True,
            )
        self.budgets(municipality, spec, streams)
        self.town_users(municipality, spec, carriers)

    @staticmethod
    def add_rule_deviations(pieces: list[list[tuple[School, Decimal]]]) -> None:
        """Two deliberate deviations from the NRW rules so that the warnings
        show in the demo: a half-time worker at two schools and a full-time
        worker at three. Each school keeps its FTE."""
        quarter, half = Decimal("0.25"), Decimal("0.5")
        singles = [p for p in pieces if len(p) == 1 and p[0][1] == half]
        pairs = [p for p in pieces if len(p) == 2 and p[0][1] == half]
        if len(singles) < 2 or not pairs:
            return
        (a, _x), (b, _y) = singles[0][0], singles[1][0]
        pieces.remove(singles[0])
        pieces.remove(singles[1])
        pieces.append([(a, quarter), (b, quarter)])  # half-time at two schools
        pieces.append([(b, quarter)])
        y = pairs[0][1][0]
        pairs[0][1] = (y, quarter)
        pairs[0].append((a, quarter))  # full-time at three schools
        pieces.append([(y, quarter)])

    def budgets(
        self, municipality: Municipality, spec: TownSpec, streams: dict[str, FundingStream]
    ) -> None:
        from django.db.models import Sum

        from schulsozial.masterdata.models import Position, SchoolYear

        for year in SchoolYear.objects.filter(code__in=["2025/26", "2026/27"]):
            for s in spec.streams:
                stream = streams[s["code"]]
                fte = Position.objects.active_on(year.start).filter(
                    funding_stream=stream
                ).aggregate(t=Sum("fte"))["t"] or Decimal(0)
                available = (fte * s["rate"] * s["budget_factor"]).quantize(Decimal("1E3"))
                services.budget_set(
                    stream=stream,
                    school_year=year,
                    available_eur=available,
                    cost_per_fte_eur=s["rate"],
                    by=SYSTEM,
                )

    # ------------------------------------------------------------------ users

    def user(self, username: str, display: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username, password=self.password, display_name=display
            )
        return user

    def town_users(
        self, municipality: Municipality, spec: TownSpec, carriers: dict[str, Carrier]
    ) -> None:
        town = municipality.name.lower()
        nonstate = [c for c in carriers.values() if c.kind != Carrier.Kind.STATE]
        carrier = nonstate[0]
        worker_staff = (
            StaffMember.objects.filter(
                municipality=municipality, function=Function.SOCIAL_WORK, carrier=carrier
            )
            .order_by("label")
            .first()
        )
        worker_school = (
            School.objects.filter(assignments__position__staff_member=worker_staff)
            .order_by("school_number")
            .first()
        )
        principal_school = (
            School.objects.filter(school_number=spec.principal_school).first()
            if spec.principal_school
            else worker_school
        ) or worker_school
        if worker_staff is None or worker_school is None or principal_school is None:
            raise RuntimeError(
                f"{municipality.name}: no social worker of {carrier.name} at a school"
            )
        plan: list[tuple[str, str, str, dict[str, Any]]] = [
            (
                f"{town}.koordination",
                f"Koordination {municipality.name} (Demo)",
                Role.COORDINATION,
                {"municipality": municipality},
            ),
            (
                f"{town}.traeger",
                f"Träger {carrier.name} (Demo)",
                Role.CARRIER,
                {"carrier": carrier},
            ),
            (
                f"{town}.fachkraft",
                f"{worker_staff.label} (Demo)",
                Role.WORKER,
                {"school": worker_school},
            ),
            (
                f"{town}.schulleitung",
                f"Schulleitung {principal_school.name} (Demo)",
                Role.PRINCIPAL,
                {"school": principal_school},
            ),
            (
                f"{town}.gremium",
                f"Ausschussmitglied {municipality.name} (Demo)",
                Role.COMMITTEE,
                {"municipality": municipality},
            ),
            (
                f"{town}.admin",
                f"IT-Betrieb {municipality.name} (Demo)",
                Role.ADMINISTRATION,
                {"municipality": municipality},
            ),
        ]
        for username, display, role, scope in plan:
            user = self.user(username, display)
            role_assign(user=user, role=role, by=SYSTEM, **scope)
            self.users.append((username, str(Role(role).label), municipality.name))
        services.staff_update(
            staff=worker_staff, by=SYSTEM, user=User.objects.get(username=f"{town}.fachkraft")
        )

    def scenarios(self, herne: Municipality) -> None:
        """Two distribution scenarios for Herne's current FTE; the second is adopted."""
        from schulsozial.allocation.adapter import cost_per_fte, school_rows
        from schulsozial.allocation.services import scenario_adopt, scenario_create
        from schulsozial.allocation.templates_rules import base_index_startchancen, pupils_only
        from schulsozial.masterdata.selectors import current_school_year

        year = current_school_year()
        if year is None:
            raise RuntimeError("the demo has no current school year")
        total = sum(
            (row.current_fte for row in school_rows(municipality=herne, school_year=year)),
            Decimal(0),
        )
        cost = cost_per_fte(municipality=herne, school_year=year)
        scenario_create(
            municipality=herne,
            school_year=year,
            name="Nur nach Schülerzahl",
            rules_toml=pupils_only(total, cost),
            description="Vergleichsrechnung: jede Schule erhält Stellen allein nach ihrer Schülerzahl.",
            by=SYSTEM,
            is_demo=True,
        )
        adopted = scenario_create(
            municipality=herne,
            school_year=year,
            name="Sockel + Schülerzahl × Sozialindex + Startchancen",
            rules_toml=base_index_startchancen(total, cost),
            description="Sockel von 0,25 VZÄ je Schule, der Rest nach Schülerzahl, gewichtet mit einem "
            "Sozialindex-Faktor; Startchancen-Schulen erhalten 20 % Zuschlag.",
            by=SYSTEM,
            is_demo=True,
        )
        scenario_adopt(
            scenario=adopted,
            decision_body="Ausschuss für Kinder, Jugend und Familie",
            decision_date=year.start - datetime.timedelta(days=45),
            decision_reference="2026/0815 (Demo)",
            by=SYSTEM,
        )

    def global_admin(self) -> None:
        user = self.user("betrieb", "IT-Betrieb (alle Kommunen, Demo)")
        role_assign(user=user, role=Role.ADMINISTRATION, by=SYSTEM)
        self.users.append(("betrieb", str(Role.ADMINISTRATION.label), "alle"))

    @staticmethod
    def existing_users() -> list[tuple[str, str, str]]:
        rows = []
        for user in (
            User.objects.filter(role_assignments__isnull=False).distinct().order_by("username")
        ):
            for a in user.role_assignments.select_related("municipality"):
                rows.append(
                    (
                        user.username,
                        str(Role(a.role).label),
                        a.municipality.name if a.municipality else "alle",
                    )
                )
        return rows
