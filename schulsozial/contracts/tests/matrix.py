"""This app's rows of the permission matrix (tests/test_permission_matrix.py).

EXPECTED: URL name -> (method, outcome per persona), built with `row(...)` in
the order coordinator, carrier, worker, worker2, principal, committee, admin,
anonymous. `url_args(name, world)` returns the reverse() arguments of the
app's URL names (create the objects it needs in `world.town`).

The contracts of "Fachkraft T-02" (employed by Träger A, the carrier
persona) are used: coordination reads them, the carrier writes them, the
social workers (T-01 and T-03) see only their own, principals, committees
and administration see none. Committees see the Entfristung totals.
"""

from __future__ import annotations

from schulsozial.testing.matrix import LOGIN, row

EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    "contracts:contract_list": ("get", row(200, 200, 200, 200, 403, 403, 403, LOGIN)),
    "contracts:staff_contracts": ("get", row(200, 200, 404, 404, 403, 403, 403, LOGIN)),
    "contracts:contract_create": ("get", row(403, 200, 404, 404, 404, 404, 404, LOGIN)),
    "contracts:contract_update": ("get", row(403, 200, 404, 404, 404, 404, 404, LOGIN)),
    "contracts:contract_extend": ("get", row(403, 200, 404, 404, 404, 404, 404, LOGIN)),
    "contracts:carrier_contracts": ("get", row(200, 200, 403, 403, 403, 403, 403, LOGIN)),
    "contracts:entfristung": ("get", row(200, 200, 403, 403, 403, 200, 403, LOGIN)),
    "contracts:settings": ("get", row(200, 403, 404, 404, 404, 403, 404, LOGIN)),
    "contracts:continuity": ("get", row(200, 200, 403, 403, 403, 403, 403, LOGIN)),
}


def url_args(name: str, world) -> dict[str, list]:
    from .factories import contracts_for_world

    contract = contracts_for_world(world)[1]
    args = {
        "contracts:staff_contracts": [contract.staff_member_id],
        "contracts:contract_create": [contract.staff_member_id],
        "contracts:contract_update": [contract.pk],
        "contracts:contract_extend": [contract.pk],
        "contracts:carrier_contracts": [world.carrier.pk],
        "contracts:settings": [world.town.pk],
    }
    return args
