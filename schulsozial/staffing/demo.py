"""Demo data of the staffing plan (called by demo/builder.py after the
concepts' demo): a draft plan for Herne's next school year.

The demo's adopted distribution is the current year's; the next year gets a
copy of it, adopted as a continuation (demo data, marked so), and the plan
starts from that. It is calculated at once with a time limit of 10 s (Herne: some 50
staff at 43 schools; the page then shows how far from the optimum the plan
is at most).
"""

from __future__ import annotations

import datetime
from typing import Any

from schulsozial.core.actors import SYSTEM


def build_demo(*, herne: Any, kamen: Any, stdout: Any = None) -> None:
    from schulsozial.allocation.models import Scenario
    from schulsozial.allocation.services import scenario_adopt, scenario_create
    from schulsozial.masterdata import services as md
    from schulsozial.masterdata.models import SchoolYear
    from schulsozial.masterdata.selectors import current_school_year

    from . import services
    from .models import StaffingPlan

    year = current_school_year()
    adopted = (
        Scenario.objects.adopted().filter(municipality=herne, school_year=year).first()
        if year
        else None
    )
    if year is None or adopted is None:
        if stdout:
            stdout.write("  Stellenplanung: keine beschlossene Verteilung, kein Demo-Plan")
        return
    start_year = year.start.year + 1
    following = SchoolYear.objects.filter(start__year=start_year).first() or (
        md.school_year_create(start_year=start_year, by=SYSTEM)
    )
    scenario = Scenario.objects.adopted().filter(municipality=herne, school_year=following).first()
    if scenario is None:
        scenario = scenario_create(
            municipality=herne,
            school_year=following,
            name=f"{adopted.name} (Fortschreibung {following.code})",
            rules_toml=adopted.rules_toml,
            description="Die beschlossene Verteilung, für das nächste Schuljahr fortgeschrieben "
            "(Demo).",
            by=SYSTEM,
            is_demo=True,
        )
        scenario = scenario_adopt(
            scenario=scenario,
            decision_body="Ausschuss für Kinder, Jugend und Familie",
            decision_date=following.start - datetime.timedelta(days=60),
            decision_reference="2027/0412 (Demo)",
            by=SYSTEM,
        )
    if StaffingPlan.objects.filter(municipality=herne, school_year=following).exists():
        return
    plan = services.plan_create(
        scenario=scenario,
        by=SYSTEM,
        name=f"Stellenplanung {following.code} (Entwurf)",
        is_demo=True,
    )
    plan.time_limit_seconds = 10
    plan.save(update_fields=["time_limit_seconds"])
    plan = services.plan_solve(plan=plan, by=SYSTEM, background=False)
    if stdout:
        stdout.write(
            f"  Stellenplanung {following.code}: {plan.get_status_display()}, "
            f"{plan.assignments.count()} Einsätze, {plan.changes.count()} Änderungen"
        )
