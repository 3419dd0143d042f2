"""This app's rows of the permission matrix (tests/test_permission_matrix.py).

EXPECTED: URL name -> (method, outcome per persona), built with `row(...)` in
the order coordinator, carrier, worker, worker2, principal, committee, admin,
anonymous. `url_args(name, world)` returns the reverse() arguments of the
app's URL names (create the objects it needs in `world.town`).

The plan used is the municipality's own (all carriers): coordination's; the
carrier (of the world) sees only its own carrier plans, so this one is 404
for it; every other role has no staffing pages at all (403).
"""

from __future__ import annotations

from schulsozial.testing.matrix import LOGIN, row

EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    "staffing:plan_list": ("get", row(200, 200, 403, 403, 403, 403, 403, LOGIN)),
    # An empty form goes back to the list with a message.
    "staffing:plan_create": ("post", row(302, 302, 403, 403, 403, 403, 403, LOGIN)),
    # The rollover of all staff is coordination's; a carrier rolls over its own
    # staff (an empty form goes back to the list with a message).
    "staffing:plan_rollover": ("post", row(302, 302, 403, 403, 403, 403, 403, LOGIN)),
    "staffing:plan_detail": ("get", row(200, 404, 403, 403, 403, 403, 403, LOGIN)),
    "staffing:plan_pin": ("post", row(302, 404, 403, 403, 403, 403, 403, LOGIN)),
    "staffing:plan_ban": ("post", row(302, 404, 403, 403, 403, 403, 403, LOGIN)),
    "staffing:pin_remove": ("post", row(302, 404, 403, 403, 403, 403, 403, LOGIN)),
    "staffing:ban_remove": ("post", row(302, 404, 403, 403, 403, 403, 403, LOGIN)),
    "staffing:plan_solve": ("post", row(302, 404, 403, 403, 403, 403, 403, LOGIN)),
    # Not calculating: the page sends to the plan.
    "staffing:plan_progress": ("get", row(302, 404, 403, 403, 403, 403, 403, LOGIN)),
    "staffing:plan_accept": ("get", row(200, 404, 403, 403, 403, 403, 403, LOGIN)),
    "staffing:plan_discard": ("post", row(302, 404, 403, 403, 403, 403, 403, LOGIN)),
    "staffing:unfilled_export": ("get", row(200, 404, 403, 403, 403, 403, 403, LOGIN)),
    # The municipality's assignment of schools to carriers: coordination's.
    "staffing:school_carriers": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
}


def url_args(name: str, world) -> dict[str, list]:
    from schulsozial.core.actors import SYSTEM
    from schulsozial.staffing import services
    from schulsozial.staffing.tests.helpers import next_year

    plan = services.plan_rollover(municipality=world.town, school_year=next_year(world), by=SYSTEM)
    pin = services.pin_set(
        plan=plan, staff=world.staff[0], school=world.schools[0], fte=plan.step_fte, by=SYSTEM
    )
    ban = services.ban_set(plan=plan, staff=world.staff[0], school=world.schools[3], by=SYSTEM)
    # pin_set reopened the plan; a calculated plan is what accept shows.
    plan.status = plan.Status.SOLVED
    plan.save(update_fields=["status"])
    one = [plan.pk]
    return {
        "staffing:plan_detail": one,
        "staffing:plan_pin": one,
        "staffing:plan_ban": one,
        "staffing:pin_remove": [plan.pk, pin.pk],
        "staffing:ban_remove": [plan.pk, ban.pk],
        "staffing:plan_solve": one,
        "staffing:plan_progress": one,
        "staffing:plan_accept": one,
        "staffing:plan_discard": one,
        "staffing:unfilled_export": [plan.pk, "csv"],
    }
