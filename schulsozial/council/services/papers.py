"""Papers and their Beratungsfolge: create, update, upsert (paste page and
OParl import), mark or unmark as deleted at the source, delete."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit, diff_fields

from .. import permissions as perms
from ..models import (
    Consultation,
    Paper,
)
from .base import (
    PAPER_FIELDS,
    ConsultationData,
    Upsert,
    _person,
    clean_name,
    reference_key,
    require,
)
from .catalogues import committee_get_or_create, paper_type_get_or_create, paper_types_ensure

# --------------------------------------------------------------------------- papers


def _duplicate_error(reference: str) -> ValidationError:
    message = _(
        "The paper %(reference)s is already recorded for this municipality. "
        "Open it and change it there instead of recording it twice."
    ) % {"reference": reference}
    return ValidationError({"reference": ValidationError(message, code="duplicate_reference")})


def _paper_data(municipality_id: int, data: dict[str, Any], by: Any) -> dict[str, Any]:
    unknown = set(data) - set(PAPER_FIELDS)
    if unknown:
        raise TypeError(f"unknown paper fields: {sorted(unknown)}")
    clean = dict(data)
    for key in ("reference", "title", "lead_department", "author"):
        if key in clean:
            clean[key] = clean_name(clean[key] or "")
    for key in ("beschlussvorschlag", "sachverhalt", "oparl_id", "web_url"):
        if key in clean and clean[key] is None:
            clean[key] = ""
    kind = clean.get("paper_type")
    if isinstance(kind, str):
        clean["paper_type"] = (
            paper_type_get_or_create(municipality_id=municipality_id, name=kind, by=by)
            if kind.strip()
            else None
        )
    elif kind is not None and kind.municipality_id != municipality_id:
        raise ValidationError({"paper_type": _("This paper type belongs to another municipality.")})
    if "status" in clean and not clean["status"]:
        clean["status"] = Paper.Status.PUBLIC
    return clean


def _check_reference(municipality_id: int, reference: str, exclude_pk: int | None = None) -> None:
    if not reference:
        raise ValidationError({"reference": _("Enter the paper number.")})
    key = reference_key(reference)
    others = Paper.objects.filter(municipality_id=municipality_id)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    for _pk, existing in others.values_list("pk", "reference"):
        if reference_key(existing) == key:
            raise _duplicate_error(existing)


@transaction.atomic
def paper_create(
    *,
    municipality_id: int,
    data: dict[str, Any],
    by: Any,
    consultations: list[ConsultationData] | None = None,
) -> Paper:
    """Record a paper (and its Beratungsfolge). A reference already recorded
    for the municipality is refused with a readable error."""
    require(perms.can_write_papers(by, municipality_id))
    paper_types_ensure(municipality_id=municipality_id, by=by)
    clean = _paper_data(municipality_id, data, by)
    _check_reference(municipality_id, clean.get("reference", ""))
    paper = Paper(municipality_id=municipality_id, created_by=_person(by), **clean)
    paper.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            paper.save()
    except IntegrityError as exc:  # a parallel save of the same reference
        raise _duplicate_error(clean.get("reference", "")) from exc
    audit(
        actor=by,
        action=Action.CREATE,
        obj=paper,
        changes={k: v for k, v in clean.items() if v not in ("", None)},
    )
    if consultations:
        consultations_set(paper=paper, consultations=consultations, by=by)
    return paper


@transaction.atomic
def paper_update(
    *,
    paper: Paper,
    data: dict[str, Any],
    by: Any,
    consultations: list[ConsultationData] | None = None,
) -> tuple[Paper, bool]:
    """Change a paper (and, when given, replace its Beratungsfolge). Returns
    the paper and whether anything changed."""
    require(perms.can_edit_paper(by, paper))
    clean = _paper_data(paper.municipality_id, data, by)
    if "reference" in clean:
        _check_reference(paper.municipality_id, clean["reference"], exclude_pk=paper.pk)
    changes = diff_fields(paper, clean)
    if changes:
        for key, value in clean.items():
            setattr(paper, key, value)
        paper.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                paper.save(update_fields=[*changes, "updated_at"])
        except IntegrityError as exc:
            raise _duplicate_error(clean.get("reference", paper.reference)) from exc
        audit(actor=by, action=Action.UPDATE, obj=paper, changes=changes)
    steps_changed = False
    if consultations is not None:
        steps_changed = consultations_set(paper=paper, consultations=consultations, by=by)[1]
    return paper, bool(changes) or steps_changed


@transaction.atomic
def paper_upsert(
    *,
    municipality_id: int,
    data: dict[str, Any],
    by: Any,
    consultations: list[ConsultationData] | None = None,
) -> tuple[Paper, Upsert]:
    """Create or update the paper identified by its OParl id (when `data` has
    one), else by its reference. For the OParl import: a second run with the
    same data is `Upsert.UNCHANGED` and writes nothing."""
    require(perms.can_write_papers(by, municipality_id))
    oparl_id = (data.get("oparl_id") or "").strip()
    found: Paper | None = None
    papers = Paper.objects.select_for_update().filter(municipality_id=municipality_id)
    if oparl_id:
        found = papers.filter(oparl_id=oparl_id).first()
    if found is None and data.get("reference"):
        key = reference_key(data["reference"])
        found = next((p for p in papers if reference_key(p.reference) == key), None)
    if found is None:
        paper = paper_create(
            municipality_id=municipality_id, data=data, by=by, consultations=consultations
        )
        return paper, Upsert.CREATED
    paper, changed = paper_update(paper=found, data=data, by=by, consultations=consultations)
    return paper, Upsert.UPDATED if changed else Upsert.UNCHANGED


@transaction.atomic
def papers_mark_deleted_at_source(
    *, municipality_id: int, oparl_ids: list[str], by: Any, at: datetime.datetime
) -> list[str]:
    """Mark the municipality's papers with these OParl ids as deleted in the
    council system (`at`: when the import found it), keeping them and their
    links; a paper marked already keeps its date. One audit entry per paper
    marked; returns their references."""
    require(perms.can_write_papers(by, municipality_id))
    ids = sorted({i for i in oparl_ids if i})
    marked: list[str] = []
    for start in range(0, len(ids), 500):
        found = Paper.objects.select_for_update().filter(
            municipality_id=municipality_id,
            oparl_id__in=ids[start : start + 500],
            deleted_at_source__isnull=True,
        )
        for paper in found.order_by("reference"):
            paper.deleted_at_source = at
            paper.save(update_fields=["deleted_at_source", "updated_at"])
            audit(
                actor=by,
                action=Action.UPDATE,
                obj=paper,
                municipality_id=municipality_id,
                changes={"deleted_at_source": [None, at.isoformat()]},
            )
            marked.append(paper.reference)
    return marked


@transaction.atomic
def paper_unmark_deleted_at_source(*, paper: Paper, by: Any) -> bool:
    """The council system has the paper again (an import found it not
    deleted): clear the mark. False when it was not marked."""
    require(perms.can_edit_paper(by, paper))
    if paper.deleted_at_source is None:
        return False
    old = paper.deleted_at_source
    paper.deleted_at_source = None
    paper.save(update_fields=["deleted_at_source", "updated_at"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=paper,
        municipality_id=paper.municipality_id,
        changes={"deleted_at_source": [old.isoformat(), None]},
    )
    return True


@transaction.atomic
def paper_delete(*, paper: Paper, by: Any) -> None:
    """Delete a paper recorded by mistake. A paper linked to something is
    refused: its links are a record of what it decided (remove them first)."""
    require(perms.can_edit_paper(by, paper))
    if paper.links.exists():
        raise ValidationError(
            _(
                "The paper %(ref)s is linked to what it decided or reported on. Remove its "
                "links first."
            )
            % {"ref": paper.reference},
            code="paper_linked",
        )
    municipality_id = paper.municipality_id
    audit(
        actor=by,
        action=Action.DELETE,
        obj=paper,
        municipality_id=municipality_id,
        changes={"reference": paper.reference},
    )
    for item in paper.attachments.all():
        item.file.delete(save=False)
    paper.delete()


# --------------------------------------------------------------------------- consultations


def _step_tuple(c: Consultation) -> tuple[Any, ...]:
    return (c.committee_id, c.date, c.role, c.result, c.oparl_id)


@transaction.atomic
def consultations_set(
    *, paper: Paper, consultations: list[ConsultationData], by: Any
) -> tuple[list[Consultation], bool]:
    """Replace the paper's Beratungsfolge by `consultations`, in this order
    (committees created on the fly). Returns the steps and whether they changed."""
    require(perms.can_edit_paper(by, paper))
    valid_roles = set(Consultation.Role.values)
    wanted: list[Consultation] = []
    for order, item in enumerate(consultations, start=1):
        committee = committee_get_or_create(
            municipality_id=paper.municipality_id, name=item.committee, by=by
        )
        role = item.role if item.role in valid_roles else ""
        wanted.append(
            Consultation(
                paper=paper,
                order=order,
                committee=committee,
                date=item.date,
                role=role,
                result=clean_name(item.result)[:300],
                oparl_id=item.oparl_id or "",
            )
        )
    current = list(paper.consultations.order_by("order", "pk"))
    if [_step_tuple(c) for c in current] == [_step_tuple(c) for c in wanted]:
        return current, False
    paper.consultations.all().delete()
    Consultation.objects.bulk_create(wanted)
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=paper,
        changes={
            "consultations": [
                [[c.committee.name, c.date, c.role, c.result] for c in current],
                [[c.committee.name, c.date, c.role, c.result] for c in wanted],
            ]
        },
    )
    if hasattr(paper, "_prefetched_objects_cache"):
        paper._prefetched_objects_cache.pop("consultations", None)
    return list(paper.consultations.order_by("order", "pk")), True
