"""Writes to a municipality's catalogues: the defaults, entries added,
renamed or retired, and the remembered meaning of an import file's own
category names."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_create, model_update
from schulsozial.masterdata.models import Municipality

from .. import permissions as perms
from ..catalogues import DEFAULTS
from ..models import CatalogueEntry, CatalogueKind, ImportMapping


def _require_catalogue_keeper(by: Any, municipality_id: int | None) -> None:
    """Refuse the write unless `by` keeps this municipality's catalogues."""
    if not perms.can_keep_catalogues_of(by, municipality_id):
        raise PermissionDenied


@transaction.atomic
def catalogues_ensure_defaults(*, municipality: Municipality, by: Any) -> int:
    """Give a municipality the default catalogues (missing entries only);
    one audit entry, in the name of `by` (a user, or `SYSTEM` for the demo,
    commands and tests), names how many were added. Raises PermissionDenied
    unless `by` keeps the municipality's catalogues."""
    _require_catalogue_keeper(by, municipality.pk)
    existing = set(
        CatalogueEntry.objects.filter(municipality=municipality).values_list("kind", "code")
    )
    new = [
        CatalogueEntry(
            municipality=municipality, kind=kind, code=code, label=label, sort_order=order
        )
        for kind, entries in DEFAULTS.items()
        for order, (code, label) in enumerate(entries)
        if (kind, code) not in existing
    ]
    CatalogueEntry.objects.bulk_create(new)
    if new:
        audit(
            actor=by,
            action=Action.CREATE,
            object_type=CatalogueEntry._meta.label_lower,
            object_repr=_("default catalogues"),
            municipality_id=municipality.pk,
            changes={"entries": len(new)},
        )
    return len(new)


@transaction.atomic
def catalogue_entry_set(
    *,
    municipality: Municipality,
    kind: str,
    code: str,
    label: str,
    retired: bool,
    by: Any,
    sort_order: int = 0,
) -> CatalogueEntry:
    """Create or change an entry; retiring keeps it for history."""
    entry = CatalogueEntry.objects.filter(municipality=municipality, kind=kind, code=code).first()
    if entry is None:
        return model_create(
            model=CatalogueEntry,
            data={
                "municipality": municipality,
                "kind": kind,
                "code": code,
                "label": label,
                "retired": retired,
                "sort_order": sort_order,
            },
            by=by,
        )
    return model_update(instance=entry, data={"label": label, "retired": retired}, by=by)[0]


def _unique_code(municipality: Municipality, kind: str, label: str) -> str:
    from django.utils.text import slugify

    base = slugify(label.replace("ß", "ss"))[:34] or "entry"
    code, n = base, 1
    taken = set(
        CatalogueEntry.objects.filter(municipality=municipality, kind=kind).values_list(
            "code", flat=True
        )
    )
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def catalogue_entry_add(
    *, municipality: Municipality, kind: str, label: str, by: Any, code: str = ""
) -> CatalogueEntry:
    """Add an entry to a municipality's catalogue; the code (stable for
    statistics and the API) is derived from the label unless given.
    Raises PermissionDenied unless `by` keeps the municipality's catalogues."""
    _require_catalogue_keeper(by, municipality.pk)
    if kind not in CatalogueKind.values:
        raise ValidationError({"kind": _("Unknown catalogue.")})
    label = " ".join(label.split())
    if not label:
        raise ValidationError({"label": _("This field is required.")})
    if CatalogueEntry.objects.filter(
        municipality=municipality, kind=kind, label__iexact=label
    ).exists():
        raise ValidationError({"label": _("The catalogue already has an entry with this label.")})
    if (
        code
        and CatalogueEntry.objects.filter(municipality=municipality, kind=kind, code=code).exists()
    ):
        raise ValidationError({"code": _("The catalogue already has an entry with this code.")})
    last = (
        CatalogueEntry.objects.filter(municipality=municipality, kind=kind)
        .order_by("-sort_order")
        .first()
    )
    return catalogue_entry_set(
        municipality=municipality,
        kind=kind,
        code=code or _unique_code(municipality, kind, label),
        label=label,
        retired=False,
        by=by,
        sort_order=(last.sort_order + 1) if last else 0,
    )


@transaction.atomic
def catalogue_entry_update(
    *, entry: CatalogueEntry, label: str, retired: bool, by: Any
) -> CatalogueEntry:
    """Rename or retire (or reactivate) an entry. Records keep their entry:
    a retired entry is no longer offered but stays in history and statistics.
    Raises PermissionDenied unless `by` may edit the entry."""
    if not perms.can_edit_catalogue_entry(by, entry):
        raise PermissionDenied
    label = " ".join(label.split())
    if not label:
        raise ValidationError({"label": _("This field is required.")})
    clash = CatalogueEntry.objects.filter(
        municipality_id=entry.municipality_id, kind=entry.kind, label__iexact=label
    ).exclude(pk=entry.pk)
    if clash.exists():
        raise ValidationError({"label": _("The catalogue already has an entry with this label.")})
    if (
        retired
        and not entry.retired
        and entry.kind
        in (
            CatalogueKind.ACTIVITY_TYPE,
            CatalogueKind.TARGET_GROUP,
            CatalogueKind.GENDER,
            CatalogueKind.GRADE_BAND,
        )
    ):
        others = CatalogueEntry.objects.filter(
            municipality_id=entry.municipality_id, kind=entry.kind, retired=False
        ).exclude(pk=entry.pk)
        if not others.exists():
            raise ValidationError(
                {"retired": _("The last usable entry of a required catalogue cannot be retired.")}
            )
    return catalogue_entry_set(
        municipality=entry.municipality,
        kind=entry.kind,
        code=entry.code,
        label=label,
        retired=retired,
        by=by,
    )


@transaction.atomic
def import_mapping_set(
    *, municipality: Municipality, kind: str, source_label: str, entry: CatalogueEntry, by: Any
) -> ImportMapping:
    """Remember that a file's own category name means `entry` (per municipality).
    Raises PermissionDenied unless `by` imports into the municipality."""
    if not perms.can_map_import_labels(by, municipality.pk):
        raise PermissionDenied
    if entry.municipality_id != municipality.pk or entry.kind != kind:
        raise ValidationError({"entry": _("Choose an entry of the current catalogue.")})
    key = normalise_label(source_label)[:120]
    mapping, created = ImportMapping.objects.update_or_create(
        municipality=municipality, kind=kind, source_label=key, defaults={"entry": entry}
    )
    audit(
        actor=by,
        action=Action.CREATE if created else Action.UPDATE,
        obj=mapping,
        municipality_id=municipality.pk,
        changes={"kind": kind, "source": key, "entry": entry.code},
    )
    return mapping


def normalise_label(text: str) -> str:
    return " ".join(str(text).casefold().split())
