"""The staffing plan in the platform (issue 15): adapter, accept with dated
history, rollover, carrier scoping, pages in German."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata.models import Position, PositionAssignment
from schulsozial.staffing import adapter, services
from schulsozial.staffing.models import PlanChange, SchoolCarrier, StaffingPlan

from .helpers import adopted_scenario, next_year

pytestmark = pytest.mark.django_db


def _plan(world, **kwargs):
    return services.plan_create(scenario=adopted_scenario(world), by=SYSTEM, **kwargs)


# --------------------------------------------------------------------------- adapter


def test_adapter_builds_the_problem_of_the_world(world):
    plan = _plan(world)
    problem = adapter.build_problem(plan)
    year = next_year(world)
    assert problem["plan_start"] == year.start.isoformat()
    assert problem["step_fte"] == 0.05
    assert problem["weights"] == {"deviation": 1.0, "change": 0.25}
    assert problem["rules"] == {
        "max_schools_full_time": 2,
        "max_schools_half_time": 1,
        "half_time_fte": 0.5,
    }
    # Targets: the adopted scenario's FTE per school (to whole steps).
    targets = {row["number"]: float(row["fte"]) for row in plan.scenario.result["schools"]}
    assert {s["id"]: s["target_fte"] for s in problem["schools"]} == targets
    assert "carrier" not in problem["schools"][0]  # no school given to a carrier yet
    staff = {s["id"]: s for s in problem["staff"]}
    # The coordinator (function coordination) and the other town's staff are not planned.
    assert set(staff) == {"Fachkraft T-01", "Fachkraft T-02", "Fachkraft T-03"}
    assert staff["Fachkraft T-01"]["fte"] == 1.0
    assert staff["Fachkraft T-01"]["carrier"] == "Träger A"
    assert staff["Fachkraft T-01"]["current"] == [
        {"school": "199000", "fte": 0.5},
        {"school": "199001", "fte": 0.5},
    ]
    assert staff["Fachkraft T-03"]["current"] == [{"school": "199002", "fte": 0.75}]
    # T-02's contract ends before the year: the solver gets the date and no hours.
    assert staff["Fachkraft T-02"]["contract_end"] == world.staff[1].contract_end.isoformat()
    assert staff["Fachkraft T-02"]["fte"] == 0.0
    assert problem["pinned"] == [] and problem["forbidden"] == []


def test_adapter_reads_rules_pins_bans_and_school_carriers(world):
    town = world.town
    town.rule_max_schools_fulltime = 3
    town.rule_parttime_fte_threshold = Decimal("0.40")
    town.save()
    SchoolCarrier.objects.create(school=world.schools[2], carrier=world.other_carrier)
    plan = _plan(world)
    services.pin_set(
        plan=plan, staff=world.staff[0], school=world.schools[3], fte=Decimal("0.25"), by=SYSTEM
    )
    services.ban_set(plan=plan, staff=world.staff[2], school=world.schools[1], by=SYSTEM)
    plan.refresh_from_db()
    problem = adapter.build_problem(plan)
    assert problem["rules"]["max_schools_full_time"] == 3
    assert problem["rules"]["half_time_fte"] == 0.4
    assert {s["id"]: s.get("carrier") for s in problem["schools"]}["199002"] == "Träger B"
    assert problem["pinned"] == [{"staff": "Fachkraft T-01", "school": "199003", "fte": 0.25}]
    assert problem["forbidden"] == [{"staff": "Fachkraft T-03", "school": "199001"}]


def test_pin_must_fit_the_person_and_the_step(world):
    plan = _plan(world)
    with pytest.raises(ValidationError):
        services.pin_set(
            plan=plan, staff=world.staff[2], school=world.schools[0], fte=Decimal("0.8"), by=SYSTEM
        )
    with pytest.raises(ValidationError):
        services.pin_set(
            plan=plan, staff=world.staff[0], school=world.schools[0], fte=Decimal("0.33"), by=SYSTEM
        )
    with pytest.raises(ValidationError):  # another town's person
        services.pin_set(
            plan=plan,
            staff=world.foreign_staff,
            school=world.schools[0],
            fte=Decimal("0.5"),
            by=SYSTEM,
        )


# --------------------------------------------------------------------------- solve and accept


def test_solve_stores_rows_changes_and_solver_figures(world):
    plan = services.plan_solve(plan=_plan(world), by=SYSTEM)
    assert plan.status == StaffingPlan.Status.SOLVED, plan.error
    assert plan.result["status"] == "optimal"
    assert plan.result["objective"] == plan.result["bound"]
    removed = plan.changes.get(staff=world.staff[1])
    assert removed.kind == PlanChange.Kind.REMOVED
    assert removed.fte_before == Decimal("0.5") and removed.fte_after == 0
    assert removed.reason  # the solver's reason ("Vertrag endet")
    # The person keeps their schools where the targets allow (continuity).
    t03 = {a.school_id: a.fte for a in plan.assignments.filter(staff=world.staff[2])}
    assert t03 == {world.schools[2].pk: Decimal("0.75")}


def test_a_pin_is_kept_and_a_bad_pin_is_reported(world):
    plan = _plan(world)
    services.pin_set(
        plan=plan, staff=world.staff[0], school=world.schools[3], fte=Decimal("0.5"), by=SYSTEM
    )
    plan = services.plan_solve(plan=plan, by=SYSTEM)
    assert plan.assignments.get(staff=world.staff[0], school=world.schools[3]).fte == Decimal("0.5")
    # Three pins for a full-time person break the two-schools rule: the
    # solver's German message names the person.
    for school in world.schools[:2]:
        services.pin_set(
            plan=plan, staff=world.staff[0], school=school, fte=Decimal("0.25"), by=SYSTEM
        )
    plan = services.plan_solve(plan=plan, by=SYSTEM)
    assert plan.status == StaffingPlan.Status.DRAFT
    assert "Fachkraft T-01" in plan.error


def test_accept_writes_dated_assignments_and_keeps_history(world, client_for):
    year = next_year(world)
    plan = _plan(world)
    services.pin_set(
        plan=plan, staff=world.staff[0], school=world.schools[3], fte=Decimal("0.5"), by=SYSTEM
    )
    plan = services.plan_solve(plan=plan, by=SYSTEM)
    planned = {a.school_id: a.fte for a in plan.assignments.filter(staff=world.staff[0])}
    assert world.schools[3].pk in planned
    coordinator = world.users["coordinator"]
    services.plan_accept(plan=plan, by=coordinator)
    plan.refresh_from_db()
    assert plan.status == StaffingPlan.Status.ACCEPTED and plan.accepted_by == coordinator

    old = Position.objects.get(code="T-01")
    assert old.valid_to == year.start - datetime.timedelta(days=1)
    # History: last year's assignments are still there, on the ended position.
    assert {a.school_id: a.weekly_hours for a in old.assignments.all()} == {
        world.schools[0].pk: Decimal("19.50"),
        world.schools[1].pk: Decimal("19.50"),
    }
    new = Position.objects.get(code=f"T-01 ({year.code})")
    assert new.valid_from == year.start and new.valid_to is None
    assert new.staff_member == world.staff[0] and new.funding_stream == old.funding_stream
    assert {a.school_id: a.weekly_hours for a in new.assignments.all()} == {
        k: v * Decimal("39") for k, v in planned.items()
    }
    # On the year's first day only the new assignments count; the day before only the old.
    active = PositionAssignment.objects.filter(
        position__in=Position.objects.active_on(year.start), position__staff_member=world.staff[0]
    )
    assert {a.school_id for a in active} == set(planned)
    before = PositionAssignment.objects.filter(
        position__in=Position.objects.active_on(year.start - datetime.timedelta(days=1)),
        position__staff_member=world.staff[0],
    )
    assert {a.school_id for a in before} == {world.schools[0].pk, world.schools[1].pk}
    # T-03 keeps their school: their position is untouched.
    assert Position.objects.get(code="T-03").valid_to is None
    assert not Position.objects.filter(code__startswith="T-03 (").exists()
    entry = AuditEntry.objects.filter(
        object_type="staffing.staffingplan", object_id=str(plan.pk)
    ).latest("at")
    assert entry.actor == coordinator
    assert entry.changes["created"] == 1 and entry.changes["updated"] == 1
    # The school's page shows the assignment under the new school year.
    response = client_for("coordinator").get(
        reverse("masterdata:school_detail", args=[world.schools[3].pk])
    )
    html = response.content.decode()
    assert year.code in html and "T-01 (" in html


def test_a_carrier_cannot_accept_and_accepting_twice_is_refused(world):
    plan = services.plan_solve(plan=_plan(world, carrier=world.carrier), by=SYSTEM)
    with pytest.raises(PermissionDenied):
        services.plan_accept(plan=plan, by=world.users["carrier"])
    services.plan_accept(plan=plan, by=world.users["coordinator"])
    with pytest.raises(PermissionDenied):
        services.plan_accept(plan=plan, by=world.users["coordinator"])


# --------------------------------------------------------------------------- rollover


def test_rollover_copies_what_continues(world):
    year = next_year(world)
    plan = services.plan_rollover(
        municipality=world.town, school_year=year, by=world.users["coordinator"]
    )
    assert plan.status == StaffingPlan.Status.SOLVED and plan.scenario is None
    rows = {(a.staff_id, a.school_id): a.fte for a in plan.assignments.all()}
    assert rows == {
        (world.staff[0].pk, world.schools[0].pk): Decimal("0.5"),
        (world.staff[0].pk, world.schools[1].pk): Decimal("0.5"),
        (world.staff[2].pk, world.schools[2].pk): Decimal("0.75"),
    }
    # T-02 leaves: the change says so, and the school's need is open.
    change = plan.changes.get()
    assert change.staff == world.staff[1] and change.kind == PlanChange.Kind.REMOVED
    assert plan.result["unfilled"] == [{"school": "199002", "fte": 0.5}]
    # Accepting it changes no position: everything continues as it is.
    services.plan_accept(plan=plan, by=world.users["coordinator"])
    assert not Position.objects.filter(code__contains=f"({year.code})").exists()
    assert Position.objects.get(code="T-01").valid_to is None


def test_rollover_button_on_the_list(world, client_for):
    client = client_for("coordinator")
    year = next_year(world)
    response = client.post(reverse("staffing:plan_rollover"), {"school_year": year.pk})
    plan = StaffingPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.school_year == year


def test_carrier_rolls_over_only_its_own_staff(world, client_for):
    client = client_for("carrier")
    year = next_year(world)
    listing = client.get(reverse("staffing:plan_list")).content.decode()
    assert 'action="/stellenplanung/schuljahreswechsel/"' in listing
    rollover = listing.split('action="/stellenplanung/schuljahreswechsel/"')[1].split("</form>")[0]
    assert "---------" not in rollover  # no empty choice: a school year is always chosen
    response = client.post(
        reverse("staffing:plan_rollover"), {"school_year": year.pk, "carrier": world.carrier.pk}
    )
    plan = StaffingPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.carrier == world.carrier and plan.scenario is None
    # Only Träger A's people (T-01 continues, T-02 leaves), at their schools.
    rows = {(a.staff_id, a.school_id) for a in plan.assignments.all()}
    assert rows == {
        (world.staff[0].pk, world.schools[0].pk),
        (world.staff[0].pk, world.schools[1].pk),
    }
    assert {c.staff_id for c in plan.changes.all()} == {world.staff[1].pk}
    assert {s["id"] for s in plan.problem["staff"]} == {"Fachkraft T-01", "Fachkraft T-02"}
    html = client.get(plan.get_absolute_url()).content.decode()
    assert "Fachkraft T-01" in html and "Fachkraft T-03" not in html


def test_carrier_cannot_roll_over_all_staff_or_another_carrier(world, client_for):
    client = client_for("carrier")
    year = next_year(world)
    for data in (
        {"school_year": year.pk},
        {"school_year": year.pk, "carrier": world.other_carrier.pk},
    ):
        response = client.post(reverse("staffing:plan_rollover"), data)
        assert response.status_code == 302 and response["Location"] == reverse("staffing:plan_list")
    assert not StaffingPlan.objects.exists()
    with pytest.raises(PermissionDenied):
        services.plan_rollover(
            municipality=world.town,
            school_year=year,
            carrier=world.other_carrier,
            by=world.users["carrier"],
        )
    with pytest.raises(PermissionDenied):
        services.plan_rollover(municipality=world.town, school_year=year, by=world.users["carrier"])


def test_rollover_permission_by_role(world):
    from schulsozial.staffing import permissions as perms

    town, mine, theirs = world.town.pk, world.carrier.pk, world.other_carrier.pk
    assert perms.can_rollover(world.users["coordinator"], town)
    assert perms.can_rollover(world.users["coordinator"], town, theirs)
    assert perms.can_rollover(world.users["carrier"], town, mine)
    assert not perms.can_rollover(world.users["carrier"], town)
    assert not perms.can_rollover(world.users["carrier"], town, theirs)
    for persona in ("worker", "principal", "committee", "admin"):
        assert not perms.can_rollover(world.users[persona], town, mine), persona
        assert not perms.can_offer_rollover(world.users[persona]), persona
    assert perms.can_offer_rollover(world.users["carrier"])


# --------------------------------------------------------------------------- carrier scope


def test_carrier_plan_has_only_its_staff_and_schools(world):
    plan = _plan(world, carrier=world.carrier)
    scope = adapter.build_scope(plan)
    assert {m.pk for m in scope.staff.values()} == {world.staff[0].pk, world.staff[1].pk}
    # Its schools: where its staff work today (3 has nobody and is nobody's).
    assert set(scope.schools) == {"199000", "199001", "199002"}
    with pytest.raises(ValidationError):  # Träger B's person
        services.pin_set(
            plan=plan,
            staff=world.staff[2],
            school=world.schools[2],
            fte=Decimal("0.25"),
            by=world.users["carrier"],
        )


def test_carrier_sees_only_its_own_plans(world, client_for):
    mine = _plan(world, carrier=world.carrier)
    theirs = services.plan_create(scenario=mine.scenario, carrier=world.other_carrier, by=SYSTEM)
    municipal = services.plan_create(scenario=mine.scenario, by=SYSTEM)
    client = client_for("carrier")
    listing = client.get(reverse("staffing:plan_list")).content.decode()
    assert mine.get_absolute_url() in listing
    assert theirs.get_absolute_url() not in listing, listing
    assert municipal.get_absolute_url() not in listing
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(municipal.get_absolute_url()).status_code == 404
    # Nor can it plan for another carrier through the form.
    response = client.post(
        reverse("staffing:plan_create"),
        {"scenario": mine.scenario.pk, "carrier": world.other_carrier.pk},
    )
    assert response.status_code == 302
    assert StaffingPlan.objects.filter(carrier=world.other_carrier).count() == 1
    # Its own plan page names only its staff.
    services.plan_solve(plan=mine, by=world.users["carrier"])
    html = client.get(mine.get_absolute_url()).content.decode()
    assert "Fachkraft T-01" in html and "Fachkraft T-03" not in html


def test_a_carrier_reads_that_coordination_accepts_its_calculated_plan(world, client_for):
    plan = services.plan_solve(plan=_plan(world, carrier=world.carrier), by=world.users["carrier"])
    assert plan.status == StaffingPlan.Status.SOLVED
    html = client_for("carrier").get(plan.get_absolute_url()).content.decode()
    assert 'data-plan="awaits-coordination"' in html
    assert "Die Koordination übernimmt die Planung" in html
    assert 'data-action="accept"' not in html
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    assert 'data-plan="awaits-coordination"' not in html and 'data-action="accept"' in html


def test_the_plan_page_shows_coordination_the_funding_rule_checks_of_its_year(world, client_for):
    from schulsozial.masterdata import services as md

    plan = services.plan_solve(plan=_plan(world), by=SYSTEM)
    md.funding_stream_update(stream=world.stream, by=SYSTEM, max_eligible_per_fte=Decimal("70000"))
    md.budget_set(
        stream=world.stream,
        school_year=plan.school_year,
        available_eur=Decimal("1000"),
        cost_per_fte_eur=Decimal("72000"),
        by=SYSTEM,
        confirm_rule_warnings=True,
    )
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    assert "Prüfung der Förderregeln" in html
    assert 'data-findings="1"' in html
    assert "Der Kostensatz von 72.000 € je VZÄ liegt über den förderfähigen 70.000 €" in html
    carrier_plan = services.plan_solve(
        plan=_plan(world, carrier=world.carrier), by=world.users["carrier"]
    )
    html = client_for("carrier").get(carrier_plan.get_absolute_url()).content.decode()
    assert "Prüfung der Förderregeln" not in html and "72.000 €" not in html


# --------------------------------------------------------------------------- pages


def test_plan_page_in_german(world, client_for):
    plan = services.plan_solve(plan=_plan(world), by=SYSTEM)
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    for text in (
        "Soll und zugewiesene VZÄ je Schule",
        "Geänderte Einsätze",
        "Offene Bedarfe",
        "Regelprüfung",
        "bestmöglicher Plan (bewiesen)",
        "Vertrag endet",
        "Festlegen",
        "Ausschließen",
    ):
        assert text in html, text
    # The pin and ban forms start on a dash, not on Django's dashes.
    assert "---------" not in html
    assert html.count('<option value="" selected>–</option>') == 4
    accept = client_for("coordinator").get(reverse("staffing:plan_accept", args=[plan.pk]))
    assert "Übernehmen und Einsätze schreiben" in accept.content.decode()
    # The plan's name already says its year: not "Stellenplanung 2027/28 (2027/28)".
    assert f">{plan.name}<" in accept.content.decode()
    assert f"{plan.name} ({plan.school_year.code})" not in accept.content.decode()


def test_unfilled_export_lists_the_open_needs(world, client_for):
    plan = services.plan_solve(plan=_plan(world), by=SYSTEM)
    response = client_for("coordinator").get(
        reverse("staffing:unfilled_export", args=[plan.pk, "csv"])
    )
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert "offene-bedarfe" in response["Content-Disposition"]
    header, *rows = body.strip().splitlines()
    assert header.startswith("Schulnummer;Schule")
    unfilled = {r["school"] for r in plan.result["unfilled"] if r["fte"] > 0}
    assert {row.split(";")[0] for row in rows} == unfilled
    assert AuditEntry.objects.filter(action="export", object_id=str(plan.pk)).exists()


def test_pin_and_solve_through_the_pages(world, client_for):
    client = client_for("coordinator")
    plan = _plan(world)
    response = client.post(
        reverse("staffing:plan_pin", args=[plan.pk]),
        {"staff": world.staff[2].pk, "school": world.schools[3].pk, "fte": "0,25"},
    )
    assert response.status_code == 302
    assert plan.pins.get().fte == Decimal("0.25")
    client.post(reverse("staffing:plan_solve", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == StaffingPlan.Status.SOLVED
    assert plan.assignments.get(staff=world.staff[2], school=world.schools[3]).fte == Decimal(
        "0.25"
    )


def test_background_solve_runs_the_task_and_the_progress_page_follows(world, client_for):
    plan = services.plan_solve(plan=_plan(world), by=SYSTEM, background=True)
    # The test backend runs the task at once.
    assert plan.status == StaffingPlan.Status.SOLVED and plan.result["status"] == "optimal"
    client = client_for("coordinator")
    progress = reverse("staffing:plan_progress", args=[plan.pk])
    assert client.get(progress)["Location"] == plan.get_absolute_url()
    StaffingPlan.objects.filter(pk=plan.pk).update(
        status=StaffingPlan.Status.SOLVING,
        progress={"phase": "search", "elapsed": 12.4, "objective": 2.5, "bound": 2.0},
    )
    html = client.get(progress).content.decode()
    assert "Berechnung läuft seit 12 Sekunden" in html
    assert "Höchstens 20,0 % vom Optimum" in html
    # The plan page sends to the progress page while it runs.
    assert client.get(plan.get_absolute_url())["Location"] == progress
    # The htmx poll gets the fragment, then the redirect when done.
    fragment = client.get(progress, headers={"HX-Request": "true"}).content.decode()
    assert 'id="plan-progress"' in fragment and "<html" not in fragment
    StaffingPlan.objects.filter(pk=plan.pk).update(status=StaffingPlan.Status.SOLVED)
    done = client.get(progress, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Redirect"] == plan.get_absolute_url()


def test_stopped_solver_shows_the_gap(world, client_for):
    plan = services.plan_solve(plan=_plan(world), by=SYSTEM)
    plan.result = {**plan.result, "status": "time_limit", "objective": 4.0, "bound": 3.0}
    del plan.result["seconds"]
    plan.save(update_fields=["result"])
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    # A plan stored before the solver's seconds were kept: "at the time limit".
    assert "Berechnung an der Zeitgrenze beendet; höchstens 25,0 % vom bestmöglichen Plan" in html


def test_the_audit_log_describes_the_plan_in_german(world):
    from django.utils import translation

    from schulsozial.core.audit_display import describe_changes

    plan = _plan(world)
    services.pin_set(
        plan=plan, staff=world.staff[0], school=world.schools[3], fte=Decimal("0.5"), by=SYSTEM
    )
    plan = services.plan_solve(plan=plan, by=SYSTEM)
    services.plan_accept(plan=plan, by=world.users["coordinator"])
    with translation.override("de"):
        texts = [
            describe_changes(e)
            for e in AuditEntry.objects.filter(object_type__startswith="staffing.").order_by("at")
        ]
    joined = " | ".join(texts)
    assert "Status: Entwurf → wird berechnet" in joined
    assert "Ergebnis der Berechnung: optimal, Wert" in joined
    assert "Status: berechnet → übernommen" in joined
    assert "Schule: Testschule 3" in joined
    for english in ("solving", "accepted", "optimal, value", "created", "updated", "_"):
        assert english not in joined, english


def test_contract_end_comes_from_the_contract_history(world):
    """An extension recorded in the contract history keeps a person in the
    plan (contracts.selectors.contract_ends)."""
    from schulsozial.contracts import services as contracts

    member = world.staff[1]  # T-02, fixed-term, ends before next year
    contract = contracts.contract_create(
        staff=member,
        start=member.contract_start,
        end=member.contract_end,
        weekly_hours=member.weekly_hours,
        reason="funding_ends",
        by=SYSTEM,
    )
    longer = next_year(world).end
    contracts.contract_extend(
        contract=contract,
        new_end=longer,
        agreed_on=member.contract_start,
        reason="funding_ends",
        by=SYSTEM,
    )
    problem = adapter.build_problem(_plan(world))
    t02 = {s["id"]: s for s in problem["staff"]}["Fachkraft T-02"]
    assert t02["contract_end"] == longer.isoformat()


def test_a_hung_calculation_can_be_started_again(world, client_for):
    import datetime as dt

    from django.utils import timezone

    plan = _plan(world)
    long_ago = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    StaffingPlan.objects.filter(pk=plan.pk).update(
        status=StaffingPlan.Status.SOLVING, progress={"phase": "queued", "since": long_ago}
    )
    client = client_for("coordinator")
    html = client.get(reverse("staffing:plan_progress", args=[plan.pk])).content.decode()
    assert "Berechnung neu starten" in html
    client.post(reverse("staffing:plan_solve", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == StaffingPlan.Status.SOLVED
    # A calculation that is merely running offers no restart.
    StaffingPlan.objects.filter(pk=plan.pk).update(
        status=StaffingPlan.Status.SOLVING,
        progress={"phase": "search", "since": timezone.now().isoformat()},
    )
    html = client.get(reverse("staffing:plan_progress", args=[plan.pk])).content.decode()
    assert "Berechnung neu starten" not in html
    assert client.post(reverse("staffing:plan_solve", args=[plan.pk])).status_code == 403


def test_the_school_page_lists_the_four_newest_years(world):
    from schulsozial.masterdata import services as md
    from schulsozial.masterdata.selectors import assignments_by_school_year

    first = world.year.start.year
    for start_year in range(first - 5, first):
        md.school_year_create(start_year=start_year, by=SYSTEM)
    Position.objects.filter(code="T-01").update(valid_from=datetime.date(first - 5, 8, 1))
    next_year(world)
    rows = assignments_by_school_year(user=world.users["coordinator"], school=world.schools[0])
    # The open-ended position runs into next year too; older years are left out.
    assert [year.start.year for year, _ in rows] == [first + 1, first, first - 1, first - 2]
    assert [a.position.code for a in rows[0][1]] == ["T-01"]


def test_a_calculated_plan_waits_in_coordination_s_task_list(world):
    from django.utils import timezone

    from schulsozial.notifications.selectors import open_tasks

    plan = services.plan_solve(plan=_plan(world, carrier=world.carrier), by=SYSTEM)
    today = timezone.localdate()
    tasks = list(open_tasks(user=world.users["coordinator"], day=today))
    mine = [t for t in tasks if t.kind == "accept_staffing_plan"]
    assert [t.url for t in mine] == [plan.get_absolute_url()]
    assert mine[0].title == f"Stellenplanung „{plan.name}“ übernehmen"
    assert mine[0].due == next_year(world).start
    # The carrier calculated it but accepting is coordination's: no task for it.
    carrier_tasks = open_tasks(user=world.users["carrier"], day=today)
    assert not [t for t in carrier_tasks if t.kind == "accept_staffing_plan"]
    services.plan_accept(plan=plan, by=world.users["coordinator"])
    tasks = open_tasks(user=world.users["coordinator"], day=today)
    assert not [t for t in tasks if t.kind == "accept_staffing_plan"]


def test_the_progress_page_names_the_plan_without_repeating_its_year(world, client_for):
    plan = _plan(world)
    plan.status = StaffingPlan.Status.SOLVING
    plan.progress = {"phase": "queued"}
    plan.save(update_fields=["status", "progress"])
    html = (
        client_for("coordinator")
        .get(reverse("staffing:plan_progress", args=[plan.pk]))
        .content.decode()
    )
    assert "Berechnung läuft" in html and f">{plan.name}<" in html
    assert f"{plan.name} ({plan.school_year.code})" not in html
