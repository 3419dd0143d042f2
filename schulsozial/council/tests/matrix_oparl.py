"""Rows of the permission matrix for the OParl import pages (views_oparl.py):
coordination only; a finished run's progress page sends to its result."""

from __future__ import annotations

from schulsozial.testing.matrix import LOGIN, row

OPARL_EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    "council:oparl_import": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "council:oparl_progress": ("get", row(302, 403, 403, 403, 403, 403, 403, LOGIN)),
    "council:oparl_result": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
}


def oparl_url_args(name: str, world) -> dict[str, list]:
    if name == "council:oparl_import":
        return {}
    from schulsozial.council.models import OParlRun, OParlSource

    source, _ = OParlSource.objects.get_or_create(
        municipality=world.town, url="https://ris.example.org/oparl/system"
    )
    run = OParlRun.objects.create(source=source, status=OParlRun.Status.DONE)
    return {name: [run.pk]}
