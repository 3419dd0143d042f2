"""Every write of council papers: papers, consultations, attachments, links,
committees and paper types. Keyword-only, an explicit actor (`by=`), one
transaction and audit entries each. The paste page, the OParl import and the
drafting pages all write through these functions.

By topic: base (shared inputs and helpers); catalogues (committees and paper
types); papers (papers and their Beratungsfolge); attachments; links.
"""

from __future__ import annotations

from .attachments import (
    attachment_add,
    attachment_remove,
    check_attachment,
)
from .base import (
    PAPER_FIELDS,
    ConsultationData,
    Upsert,
    clean_name,
    reference_key,
    require,
)
from .catalogues import (
    committee_create,
    committee_get_or_create,
    committee_remove,
    committee_rename,
    paper_type_create,
    paper_type_get_or_create,
    paper_type_remove,
    paper_type_update,
    paper_types_add_defaults,
    paper_types_ensure,
)
from .links import (
    paper_link,
    paper_unlink,
)
from .papers import (
    consultations_set,
    paper_create,
    paper_delete,
    paper_unmark_deleted_at_source,
    paper_update,
    paper_upsert,
    papers_mark_deleted_at_source,
)

__all__ = [
    "PAPER_FIELDS",
    "ConsultationData",
    "Upsert",
    "attachment_add",
    "attachment_remove",
    "check_attachment",
    "clean_name",
    "committee_create",
    "committee_get_or_create",
    "committee_remove",
    "committee_rename",
    "consultations_set",
    "paper_create",
    "paper_delete",
    "paper_link",
    "paper_type_create",
    "paper_type_get_or_create",
    "paper_type_remove",
    "paper_type_update",
    "paper_types_add_defaults",
    "paper_types_ensure",
    "paper_unlink",
    "paper_unmark_deleted_at_source",
    "paper_update",
    "paper_upsert",
    "papers_mark_deleted_at_source",
    "reference_key",
    "require",
]
