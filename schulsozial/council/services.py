"""Every write of council papers: papers, consultations, attachments, links,
committees and paper types. Keyword-only, an explicit actor (`by=`), one
transaction and audit entries each. The paste page, the OParl import and the
drafting pages all write through these functions.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.accounts.models import User
from schulsozial.core.audit import Action, audit, diff_fields

from . import permissions as perms
from . import selectors
from .models import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    DEFAULT_PAPER_TYPES,
    Committee,
    Consultation,
    Paper,
    PaperAttachment,
    PaperLink,
    PaperType,
)

PAPER_FIELDS = (
    "reference",
    "title",
    "paper_type",
    "status",
    "lead_department",
    "author",
    "date",
    "beschlussvorschlag",
    "sachverhalt",
    "oparl_id",
    "oparl_modified",
    "web_url",
    "is_demo",
)


class Upsert(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ConsultationData:
    """One step of a Beratungsfolge as the paste page or an import gives it:
    the committee by name (created on the fly)."""

    committee: str
    date: datetime.date | None = None
    role: str = ""
    result: str = ""
    oparl_id: str = ""


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _person(by: Any) -> User | None:
    return by if isinstance(by, User) and by.is_authenticated else None


def clean_name(name: str) -> str:
    return " ".join((name or "").split())


def reference_key(reference: str) -> str:
    """A reference compared without spaces and case ("2015/0159" == " 2015 / 0159")."""
    return re.sub(r"\s+", "", reference or "").casefold()


# --------------------------------------------------------------------------- catalogues


@transaction.atomic
def paper_types_ensure(*, municipality_id: int, by: Any) -> list[PaperType]:
    """The municipality's paper types; the default list is created the first time."""
    require(perms.can_write_papers(by, municipality_id))
    existing = list(PaperType.objects.filter(municipality_id=municipality_id))
    if existing:
        return existing
    created = []
    for order, name in enumerate(DEFAULT_PAPER_TYPES, start=1):
        item = PaperType.objects.create(municipality_id=municipality_id, name=name, order=order)
        created.append(item)
    audit(
        actor=by,
        action=Action.CREATE,
        obj=created[0],
        municipality_id=municipality_id,
        object_type="council.papertype",
        object_repr=_("paper types"),
        changes={"names": DEFAULT_PAPER_TYPES},
    )
    return created


@transaction.atomic
def paper_type_get_or_create(*, municipality_id: int, name: str, by: Any) -> PaperType:
    require(perms.can_write_papers(by, municipality_id))
    paper_types_ensure(municipality_id=municipality_id, by=by)
    name = clean_name(name)
    if not name:
        raise ValidationError(_("The paper type needs a name."))
    found = PaperType.objects.filter(municipality_id=municipality_id, name__iexact=name).first()
    if found:
        return found
    last = PaperType.objects.filter(municipality_id=municipality_id).order_by("-order").first()
    item = PaperType.objects.create(
        municipality_id=municipality_id, name=name[:100], order=(last.order + 1) if last else 1
    )
    audit(actor=by, action=Action.CREATE, obj=item, changes={"name": item.name})
    return item


@transaction.atomic
def committee_get_or_create(
    *, municipality_id: int, name: str, by: Any, oparl_id: str = ""
) -> Committee:
    """The municipality's committee of this name (case and spaces ignored),
    created on the fly (paste page, import). An OParl id is recorded when new."""
    require(perms.can_write_papers(by, municipality_id))
    name = clean_name(name)[:200]
    if not name:
        raise ValidationError(_("Every consultation needs its committee."))
    found = None
    if oparl_id:
        found = Committee.objects.filter(municipality_id=municipality_id, oparl_id=oparl_id).first()
    if found is None:
        found = Committee.objects.filter(municipality_id=municipality_id, name__iexact=name).first()
    if found is not None:
        if oparl_id and not found.oparl_id:
            found.oparl_id = oparl_id
            found.save(update_fields=["oparl_id"])
        return found
    item = Committee.objects.create(municipality_id=municipality_id, name=name, oparl_id=oparl_id)
    audit(actor=by, action=Action.CREATE, obj=item, changes={"name": name, "oparl_id": oparl_id})
    return item


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


# --------------------------------------------------------------------------- attachments

_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


def check_attachment(file: Any) -> tuple[str, str]:
    """(extension, content type) of an allowed attachment, or a readable error:
    at most 20 MB, PDF, DOCX, XLSX, ODT, PNG or JPEG, the content matching the
    extension (a renamed file is refused)."""
    name = os.path.basename(getattr(file, "name", "") or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            _("Attach a PDF, DOCX, XLSX, ODT, PNG or JPEG file (not “%(name)s”).") % {"name": name},
            code="attachment_type",
        )
    size = getattr(file, "size", None) or 0
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            code="attachment_size",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="attachment_empty")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(sig) for sig in _SIGNATURES[ext]):
        raise ValidationError(
            _("The content of “%(name)s” is not a %(type)s file.")
            % {"name": name, "type": ext.upper()},
            code="attachment_content",
        )
    return ext, ATTACHMENT_TYPES[ext][0]


@transaction.atomic
def attachment_add(
    *, paper: Paper, file: Any, by: Any, name: str = "", oparl_id: str = ""
) -> PaperAttachment:
    require(perms.can_edit_paper(by, paper))
    _ext, content_type = check_attachment(file)
    base = os.path.basename(str(file.name))
    item = PaperAttachment(
        paper=paper,
        name=clean_name(name or base)[:255],
        size=int(file.size),
        content_type=content_type,
        oparl_id=oparl_id,
        uploaded_by=_person(by),
    )
    item.file.save(base, file, save=False)
    item.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=item,
        municipality_id=paper.municipality_id,
        changes={"paper": paper.reference, "name": item.name, "size": item.size},
    )
    return item


@transaction.atomic
def attachment_remove(*, attachment: PaperAttachment, by: Any) -> None:
    paper = attachment.paper
    require(perms.can_edit_paper(by, paper))
    audit(
        actor=by,
        action=Action.DELETE,
        obj=attachment,
        municipality_id=paper.municipality_id,
        changes={"paper": paper.reference, "name": attachment.name},
    )
    attachment.file.delete(save=False)
    attachment.delete()


# --------------------------------------------------------------------------- links


@transaction.atomic
def paper_link(
    *,
    paper: Paper,
    by: Any,
    framework_version: Any = None,
    scenario: Any = None,
    school_year: Any = None,
) -> PaperLink:
    """Link the paper to exactly one object of its municipality (again: the
    existing link). Linking does not adopt anything: the framework version's
    adoption step (concepts) does, with the deciding paper."""
    require(perms.can_link_object(by, paper.municipality_id))
    targets = [t for t in (framework_version, scenario, school_year) if t is not None]
    if len(targets) != 1:
        raise ValidationError(_("Choose exactly one object the paper concerns."))
    for target in (framework_version, scenario):
        if target is not None and target.municipality_id != paper.municipality_id:
            raise ValidationError(_("The object belongs to another municipality."))
    lookup = {
        "framework_version": framework_version,
        "scenario": scenario,
        "school_year": school_year,
    }
    existing = PaperLink.objects.filter(paper=paper, **lookup).first()
    if existing:
        return existing
    link = PaperLink(paper=paper, created_by=_person(by), **lookup)
    link.full_clean(validate_constraints=False, validate_unique=False)
    link.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=link,
        municipality_id=paper.municipality_id,
        changes={"paper": paper.reference, "target": str(link.target)},
    )
    return link


@transaction.atomic
def paper_unlink(*, link: PaperLink, by: Any) -> None:
    """Remove a link. The paper that put a framework version in force stays
    linked to it: the version's adoption rests on it."""
    paper = link.paper
    require(perms.can_link_object(by, paper.municipality_id))
    version = link.framework_version
    if version is not None and version.is_published:
        from .selectors import framework_decision

        found = framework_decision(version)
        if found is not None and found.paper.pk == paper.pk:
            raise ValidationError(
                _(
                    "The paper %(ref)s put version %(n)s of the framework concept in force; "
                    "that link stays."
                )
                % {"ref": paper.reference, "n": version.number},
                code="adopting_paper",
            )
    audit(
        actor=by,
        action=Action.DELETE,
        obj=link,
        municipality_id=paper.municipality_id,
        changes={"paper": paper.reference, "target": str(link.target)},
    )
    link.delete()


# --------------------------------------------------------------------------- lists (views_lists)


def _list_name(name: str, max_length: int, empty_message: str) -> str:
    cleaned = clean_name(name)
    if not cleaned:
        raise ValidationError(empty_message, code="name_missing")
    if len(cleaned) > max_length:
        raise ValidationError(
            _("The name may have at most %(n)s characters.") % {"n": max_length},
            code="name_too_long",
        )
    return cleaned


def _check_committee_name(municipality_id: int, name: str, exclude_pk: int | None = None) -> None:
    others = Committee.objects.filter(municipality_id=municipality_id, name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError(
            _('There is already a committee named "%(name)s" in this municipality.')
            % {"name": name},
            code="committee_duplicate",
        )


def _check_paper_type_name(municipality_id: int, name: str, exclude_pk: int | None = None) -> None:
    others = PaperType.objects.filter(municipality_id=municipality_id, name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError(
            _('There is already a paper type named "%(name)s" in this municipality.')
            % {"name": name},
            code="paper_type_duplicate",
        )


@transaction.atomic
def committee_create(*, municipality_id: int, name: str, by: Any) -> Committee:
    """Add a committee by hand (imports create theirs on the fly)."""
    require(perms.can_manage_council_lists(by, municipality_id))
    name = _list_name(name, 200, _("The committee needs a name."))
    _check_committee_name(municipality_id, name)
    item = Committee.objects.create(municipality_id=municipality_id, name=name)
    audit(actor=by, action=Action.CREATE, obj=item, changes={"name": name})
    return item


@transaction.atomic
def committee_rename(*, committee: Committee, name: str, by: Any) -> Committee:
    """Rename a committee; its consultations keep pointing to it (same row)."""
    require(perms.can_manage_council_lists(by, committee.municipality_id))
    name = _list_name(name, 200, _("The committee needs a name."))
    _check_committee_name(committee.municipality_id, name, exclude_pk=committee.pk)
    old = committee.name
    if old == name:
        return committee
    committee.name = name
    committee.save(update_fields=["name"])
    audit(actor=by, action=Action.UPDATE, obj=committee, changes={"name": [old, name]})
    return committee


@transaction.atomic
def committee_remove(*, committee: Committee, by: Any) -> None:
    """Remove a committee no consultation refers to."""
    require(perms.can_manage_council_lists(by, committee.municipality_id))
    count = committee.consultations.count()
    if count:
        raise ValidationError(
            ngettext(
                'The committee "%(name)s" cannot be removed: %(count)s consultation refers to it.',
                'The committee "%(name)s" cannot be removed: %(count)s consultations refer to it.',
                count,
            )
            % {"name": committee.name, "count": count},
            code="committee_used",
        )
    audit(
        actor=by,
        action=Action.DELETE,
        obj=committee,
        municipality_id=committee.municipality_id,
        changes={"name": committee.name},
    )
    committee.delete()


@transaction.atomic
def paper_type_create(
    *, municipality_id: int, name: str, by: Any, order: int | None = None
) -> PaperType:
    """Add a paper type; without an order it goes to the end of the list."""
    require(perms.can_manage_council_lists(by, municipality_id))
    name = _list_name(name, 100, _("The paper type needs a name."))
    _check_paper_type_name(municipality_id, name)
    if order is None:
        last = PaperType.objects.filter(municipality_id=municipality_id).order_by("-order").first()
        order = (last.order + 1) if last else 1
    item = PaperType.objects.create(municipality_id=municipality_id, name=name, order=order)
    audit(actor=by, action=Action.CREATE, obj=item, changes={"name": name, "order": order})
    return item


@transaction.atomic
def paper_types_add_defaults(*, municipality_id: int, by: Any) -> list[PaperType]:
    """Create the entries of the default list of paper types the municipality
    lacks, at the end of its list in the default order; the existing types keep
    their names and order. Returns the new types (empty when none was missing,
    then nothing is written). One audit entry names the types added."""
    require(perms.can_add_default_paper_types(by, municipality_id))
    existing = list(
        PaperType.objects.select_for_update()
        .filter(municipality_id=municipality_id)
        .values_list("name", "order")
    )
    missing = selectors.missing_default_names([name for name, _order in existing])
    if not missing:
        return []
    start = max((order for _name, order in existing), default=0) + 1
    created = [
        PaperType.objects.create(municipality_id=municipality_id, name=name, order=start + i)
        for i, name in enumerate(missing)
    ]
    audit(
        actor=by,
        action=Action.CREATE,
        obj=created[0],
        municipality_id=municipality_id,
        object_type="council.papertype",
        object_repr=_("default paper types"),
        changes={"names": missing},
    )
    return created


@transaction.atomic
def paper_type_update(*, paper_type: PaperType, name: str, order: int, by: Any) -> PaperType:
    """Rename a paper type or change its place in the list; its papers keep it."""
    require(perms.can_manage_council_lists(by, paper_type.municipality_id))
    name = _list_name(name, 100, _("The paper type needs a name."))
    _check_paper_type_name(paper_type.municipality_id, name, exclude_pk=paper_type.pk)
    changes = diff_fields(paper_type, {"name": name, "order": order})
    if not changes:
        return paper_type
    paper_type.name = name
    paper_type.order = order
    paper_type.save(update_fields=["name", "order"])
    audit(actor=by, action=Action.UPDATE, obj=paper_type, changes=changes)
    return paper_type


@transaction.atomic
def paper_type_remove(*, paper_type: PaperType, by: Any) -> None:
    """Remove a paper type no paper uses."""
    require(perms.can_manage_council_lists(by, paper_type.municipality_id))
    count = paper_type.papers.count()
    if count:
        raise ValidationError(
            ngettext(
                'The paper type "%(name)s" cannot be removed: %(count)s paper uses it.',
                'The paper type "%(name)s" cannot be removed: %(count)s papers use it.',
                count,
            )
            % {"name": paper_type.name, "count": count},
            code="paper_type_used",
        )
    audit(
        actor=by,
        action=Action.DELETE,
        obj=paper_type,
        municipality_id=paper_type.municipality_id,
        changes={"name": paper_type.name},
    )
    paper_type.delete()
