"""Who may see and do what with council papers (Ratsvorlagen).

* Koordination of a municipality writes: papers, consultations, attachments,
  links, committees, drafts and templates; it reads every paper of its
  municipality, public (öffentlich) and non-public (nichtöffentlich).
* Gremium, Träger, Fachkraft and Schulleitung of the municipality read its
  *public* papers (with their consultations, links and attachments): a council
  paper marked öffentlich is published by the council information system
  anyway. Non-public papers stay with coordination.
* Administration reads no papers: it holds no content by default (PRODUCT.md
  §2), the papers are content, and the operator has the audit log.
* The platform itself (`SYSTEM`: demo, import_oparl, background tasks) passes
  every write check; what it writes is scoped by the municipality it is given.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import (
    NOTHING,
    acting_as_system,
    coordinates,
    has_role,
    municipality_ids,
)

READER_ROLES = (Role.COMMITTEE, Role.CARRIER, Role.WORKER, Role.PRINCIPAL)
PUBLIC = "public"


def can_use_council(user: Any) -> bool:
    """The menu entry and the paper list."""
    return has_role(user, Role.COORDINATION, *READER_ROLES)


def writing_municipality_ids(user: Any) -> set[int]:
    return municipality_ids(user, Role.COORDINATION)


def can_write_papers(user: Any, municipality_id: int | None) -> bool:
    return acting_as_system(user) or coordinates(user, municipality_id)


def can_create_papers(user: Any) -> bool:
    """Shows the create and paste buttons (a municipality is still checked on save)."""
    return has_role(user, Role.COORDINATION)


def papers_visible_q(user: Any, prefix: str = "") -> Q:
    """All papers of coordination's municipalities; the public papers of the
    municipalities where the user holds a reading role."""
    full = municipality_ids(user, Role.COORDINATION)
    public = municipality_ids(user, *READER_ROLES) - full
    query = NOTHING
    if full:
        query |= Q(**{f"{prefix}municipality_id__in": full})
    if public:
        query |= Q(**{f"{prefix}municipality_id__in": public, f"{prefix}status": PUBLIC})
    return query


def can_edit_paper(user: Any, paper: Any) -> bool:
    return can_write_papers(user, paper.municipality_id)


def can_see_non_public(user: Any, municipality_id: int | None) -> bool:
    return coordinates(user, municipality_id)


def can_export_papers(user: Any) -> bool:
    return can_use_council(user)


def can_manage_drafts(user: Any, municipality_id: int | None) -> bool:
    """Drafts and the municipality's DOCX templates: coordination only."""
    return can_write_papers(user, municipality_id)


def drafts_visible_q(user: Any) -> Q:
    ids = writing_municipality_ids(user)
    return Q(municipality_id__in=ids) if ids else NOTHING


def can_link_object(user: Any, municipality_id: int | None) -> bool:
    """Link a paper to a framework version, scenario or school year."""
    return can_write_papers(user, municipality_id)


# --------------------------------------------------------------------------- drafts (views_drafts)


def can_use_drafts(user: Any) -> bool:
    """The drafting pages (drafts and own templates): coordination."""
    return has_role(user, Role.COORDINATION)


def can_edit_draft(user: Any, draft: Any) -> bool:
    """Change, remove or submit a draft: before it went to the council system."""
    return can_manage_drafts(user, draft.municipality_id) and draft.status == "draft"


def can_enter_reference(user: Any, draft: Any) -> bool:
    """Enter the council system's reference of a submitted draft (it becomes a paper)."""
    return can_manage_drafts(user, draft.municipality_id) and draft.paper_id is None


def can_draft_framework_paper(user: Any, version: Any) -> bool:
    """The "draft a council paper" button of a framework version (not a superseded one)."""
    return can_manage_drafts(user, version.municipality_id) and version.status != "superseded"


def can_draft_distribution_paper(user: Any, scenario: Any) -> bool:
    """The same for a computed, not superseded distribution scenario."""
    return (
        can_manage_drafts(user, scenario.municipality_id)
        and scenario.status != "superseded"
        and bool(scenario.computed_at)
    )


# --------------------------------------------------------------------------- lists (views_lists)


def can_use_council_lists(user: Any) -> bool:
    """The page "Gremien und Vorlagenarten" and its link: coordination."""
    return has_role(user, Role.COORDINATION)


def can_manage_council_lists(user: Any, municipality_id: int | None) -> bool:
    """Add, rename, order and remove the committees and paper types of a
    municipality: its coordination (and the platform itself)."""
    return acting_as_system(user) or coordinates(user, municipality_id)


def can_add_default_paper_types(user: Any, municipality_id: int | None) -> bool:
    """Create the missing entries of the default list of paper types (the
    button on the lists page): whoever keeps the municipality's lists."""
    return can_manage_council_lists(user, municipality_id)
