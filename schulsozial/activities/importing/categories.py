"""The file's own category names resolved to a municipality's catalogue
entries: by a remembered mapping, by label or by code."""

from __future__ import annotations

from collections.abc import Callable

from .. import selectors
from ..models import CatalogueEntry, CatalogueKind
from ..services import normalise_label

KIND_OF_COLUMN = {
    "activity_type": CatalogueKind.ACTIVITY_TYPE,
    "target_group": CatalogueKind.TARGET_GROUP,
    "topics": CatalogueKind.TOPIC,
    "contact_origin": CatalogueKind.CONTACT_ORIGIN,
    "partner": CatalogueKind.PARTNER,
    "grade_band": CatalogueKind.GRADE_BAND,
}

Resolve = Callable[[str, str], CatalogueEntry | None]


def _resolver(municipality_id: int) -> Resolve:
    """(kind, name in the file) -> entry: remembered mapping, then label, then
    code. Two queries; every distinct name is looked up once."""
    remembered = selectors.mappings_for(municipality_id=municipality_id)
    by_label: dict[tuple[str, str], CatalogueEntry] = {}
    for entry in CatalogueEntry.objects.filter(municipality_id=municipality_id).usable():
        by_label.setdefault((entry.kind, normalise_label(entry.code)), entry)
        by_label[(entry.kind, normalise_label(entry.label))] = entry
    seen: dict[tuple[str, str], CatalogueEntry | None] = {}

    def resolve(kind: str, name: str) -> CatalogueEntry | None:
        found = seen.get((kind, name), False)
        if found is False:
            key = (kind, normalise_label(name))
            entry = remembered.get(key) or by_label.get(key)
            found = seen[(kind, name)] = entry if entry is not None and not entry.retired else None
        return found  # type: ignore[return-value]

    return resolve
