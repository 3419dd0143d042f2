"""Links between a council paper and what it decides about (a framework
version, a staffing plan ...), set and removed with an audit entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit

from .. import permissions as perms
from ..models import (
    Paper,
    PaperLink,
)
from .base import (
    _person,
    require,
)

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
        from ..selectors import framework_decision

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
