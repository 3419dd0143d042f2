"""This app's rows of the permission matrix (tests/test_permission_matrix.py).

EXPECTED: URL name -> (method, outcome per persona), built with `row(...)` in
the order coordinator, carrier, worker, worker2, principal, committee, admin,
anonymous. `url_args(name, world)` returns the reverse() arguments of the
app's URL names (create the objects it needs in `world.town`).

The papers: a public paper of Teststadt with a consultation, an attachment
and a link. Coordination writes; Träger, Fachkraft, Schulleitung and Gremium
read public papers (200 on reads, 403 on writes); administration holds no
content (403 on the list, 404 on a paper). Other parts of the app (OParl,
drafts) add their rows to EXPECTED from their own modules below.
"""

from __future__ import annotations

from schulsozial.testing.matrix import LOGIN, row

READ_LIST = row(200, 200, 200, 200, 200, 200, 403, LOGIN)
CREATE = row(200, 403, 403, 403, 403, 403, 403, LOGIN)
READ_PAPER = row(200, 200, 200, 200, 200, 200, 404, LOGIN)
WRITE_GET = row(200, 403, 403, 403, 403, 403, 404, LOGIN)
WRITE_POST = row(302, 403, 403, 403, 403, 403, 404, LOGIN)

EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    "council:paper_list": ("get", READ_LIST),
    "council:paper_create": ("get", CREATE),
    "council:paper_paste": ("get", CREATE),
    "council:paper_detail": ("get", READ_PAPER),
    "council:paper_update": ("get", WRITE_GET),
    "council:paper_delete": ("post", WRITE_POST),
    "council:attachment_add": ("post", WRITE_POST),
    "council:attachment_download": ("get", READ_PAPER),
    "council:attachment_remove": ("post", WRITE_POST),
    "council:link_add": ("post", WRITE_POST),
    "council:link_remove": ("post", WRITE_POST),
}

# The other parts of the app keep their rows beside their code.
from .matrix_drafts import DRAFT_EXPECTED, draft_url_args  # noqa: E402
from .matrix_oparl import OPARL_EXPECTED, oparl_url_args  # noqa: E402

EXPECTED.update(DRAFT_EXPECTED)
EXPECTED.update(OPARL_EXPECTED)

# Committees and paper types (views_lists.py): coordination of the municipality only.
LISTS_EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    "council:lists": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "council:lists_change": ("post", row(302, 403, 403, 403, 403, 403, 403, LOGIN)),
    "council:paper_types_defaults": ("post", row(302, 403, 403, 403, 403, 403, 403, LOGIN)),
}
EXPECTED.update(LISTS_EXPECTED)


def url_args(name: str, world) -> dict[str, list]:
    if name in DRAFT_EXPECTED:
        return draft_url_args(name, world)
    if name in OPARL_EXPECTED:
        return oparl_url_args(name, world)
    if name in LISTS_EXPECTED:
        return {
            "council:lists_change": [world.town.pk],
            "council:paper_types_defaults": [world.town.pk],
        }
    from .factories import matrix_objects

    objects = matrix_objects(world)
    args = {
        "council:paper_detail": [objects.paper.pk],
        "council:paper_update": [objects.paper.pk],
        "council:paper_delete": [objects.paper.pk],
        "council:attachment_add": [objects.paper.pk],
        "council:attachment_download": [objects.attachment.pk],
        "council:attachment_remove": [objects.attachment.pk],
        "council:link_add": [objects.paper.pk],
        "council:link_remove": [objects.link.pk],
    }
    return args
