"""Committees and paper types: found or created on the fly by the paste page
and the import, and kept by hand on the list pages (views_lists); a used
entry is not removed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from schulsozial.core.audit import Action, audit, diff_fields

from .. import permissions as perms
from .. import selectors
from ..models import (
    DEFAULT_PAPER_TYPES,
    Committee,
    PaperType,
)
from .base import (
    clean_name,
    require,
)

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


def _remove_unused(
    item: Committee | PaperType, *, uses: Any, message: Any, code: str, by: Any
) -> None:
    """Remove a committee or paper type unless `uses` (a queryset of what refers to
    it) is non-empty; then a ValidationError with `message` (a lazy plural with the
    placeholders name and count) and `code`. The removal is audited with the name."""
    require(perms.can_manage_council_lists(by, item.municipality_id))
    count = uses.count()
    if count:
        raise ValidationError(message % {"name": item.name, "count": count}, code=code)
    audit(
        actor=by,
        action=Action.DELETE,
        obj=item,
        municipality_id=item.municipality_id,
        changes={"name": item.name},
    )
    item.delete()


@transaction.atomic
def committee_remove(*, committee: Committee, by: Any) -> None:
    """Remove a committee no consultation refers to."""
    _remove_unused(
        committee,
        uses=committee.consultations.all(),
        message=ngettext_lazy(
            'The committee "%(name)s" cannot be removed: %(count)s consultation refers to it.',
            'The committee "%(name)s" cannot be removed: %(count)s consultations refer to it.',
            "count",
        ),
        code="committee_used",
        by=by,
    )


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
    _remove_unused(
        paper_type,
        uses=paper_type.papers.all(),
        message=ngettext_lazy(
            'The paper type "%(name)s" cannot be removed: %(count)s paper uses it.',
            'The paper type "%(name)s" cannot be removed: %(count)s papers use it.',
            "count",
        ),
        code="paper_type_used",
        by=by,
    )
