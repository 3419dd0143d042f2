"""Attachments of a paper: the allowed file types, checked by size and by
their first bytes, added and removed with an audit entry."""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit

from .. import permissions as perms
from ..models import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    Paper,
    PaperAttachment,
)
from .base import (
    _person,
    clean_name,
    require,
)

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
