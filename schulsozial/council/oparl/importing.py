"""One OParl import run: walk, then write everything in one transaction.

``run_import`` is the background task's work (and the command's): it walks
the council system (walker.walk, nothing written yet), then writes every
matching paper with its Beratungsfolge through ``council.services`` in one
transaction. A failure of the walk (HTTP errors after the retries, a
timeout, invalid JSON, an unexpected answer) or of a write ends the run with
a message naming the URL and writes nothing; the next run then starts from
the same ``modified_since``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit

from .. import services
from ..models import Consultation, OParlRun, OParlSource, Paper
from . import normalise as n
from .client import OParlClient, OParlError
from .permissions import can_import_oparl
from .walker import DEFAULT_KEYWORDS, WalkResult, is_file_source, walk

logger = logging.getLogger(__name__)

MAX_WARNINGS = 200
ClientFactory = Callable[[], OParlClient]

# The council systems' words for a consultation's role -> Consultation.Role
# (checked in this order: "Vorberatung" before "Beratung").
ROLE_WORDS: list[tuple[str, str]] = [
    ("vorberat", Consultation.Role.PRELIMINARY),
    ("kenntnis", Consultation.Role.INFORMATION),
    ("mitteilung", Consultation.Role.INFORMATION),
    ("anhör", Consultation.Role.HEARING),
    ("anhoer", Consultation.Role.HEARING),
    ("entscheid", Consultation.Role.DECISION),
    ("beschluss", Consultation.Role.DECISION),
    ("berat", Consultation.Role.DELIBERATION),
]


def role_code(role: str | None, authoritative: bool | None) -> str:
    """Consultation.Role of an OParl role text; ``authoritative`` (the
    committee decides) makes an unknown or missing role a decision."""
    folded = (role or "").casefold()
    for word, code in ROLE_WORDS:
        if word in folded:
            return str(code)
    if authoritative:
        return str(Consultation.Role.DECISION)
    return str(Consultation.Role.OTHER) if folded else ""


def normalise_keywords(keywords: Iterable[str] | None) -> list[str]:
    found = [" ".join(k.split()) for k in (keywords or []) if k and k.strip()]
    return sorted(dict.fromkeys(found), key=str.casefold) or list(DEFAULT_KEYWORDS)


_url_ok = URLValidator(schemes=["http", "https"])


def _web_url(value: str | None) -> str | None:
    if not value or len(value) > 500:
        return None
    try:
        _url_ok(value)
    except ValidationError:
        return None
    return value


@dataclass
class WriteReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: int = 0
    deleted_at_source: list[str] = field(default_factory=list)  # references marked


def paper_data(paper: n.ImportedPaper) -> dict[str, Any]:
    """The fields for services.paper_upsert; what the council system does
    not give is left out (a value entered by hand stays)."""
    data: dict[str, Any] = {
        "reference": paper.reference or "",
        "title": paper.title,
        "oparl_id": paper.oparl_id,
        "oparl_modified": paper.modified,
    }
    if paper.paper_type:
        data["paper_type"] = paper.paper_type
    if paper.date:
        data["date"] = paper.date
    if paper.lead_department:
        data["lead_department"] = paper.lead_department
    web = _web_url(paper.web)
    if web:
        data["web_url"] = web
    return data


def consultation_data(
    paper: n.ImportedPaper, warn: Callable[[str], None]
) -> list[services.ConsultationData] | None:
    """The Beratungsfolge; None (keep the recorded one) when the council
    system lists no consultation."""
    if not paper.consultations:
        return None
    steps = []
    for c in paper.consultations:
        if not c.committee:
            warn(
                _(
                    "%(url)s: a consultation of paper %(reference)s names no committee that "
                    "could be read (%(link)s); it was left out."
                )
                % {
                    "url": paper.oparl_id,
                    "reference": paper.reference,
                    "link": c.committee_oparl_id or c.oparl_id or "–",
                }
            )
            continue
        steps.append(
            services.ConsultationData(
                committee=c.committee,
                date=c.date,
                role=role_code(c.role, c.authoritative),
                result=c.result or "",
                oparl_id=c.oparl_id or "",
            )
        )
    return steps


@dataclass(frozen=True)
class Download:
    """A file of a paper, fetched before the write transaction."""

    paper_oparl_id: str
    oparl_id: str
    name: str
    file_name: str
    content: bytes


EXTENSIONS = {
    "application/pdf": "pdf",
    "pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "docx": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "xlsx": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt",
    "odt": "odt",
    "image/png": "png",
    "image/jpeg": "jpg",
}


def _file_name(f: n.ImportedFile) -> str:
    """A file name with the extension the attachment check reads: the
    server's fileName, else the name, with an extension from mimeType."""
    base = (f.file_name or f.name or "anlage").replace("/", "_").replace("\\", "_")[:200]
    if "." in base[-6:]:
        return base
    ext = EXTENSIONS.get((f.mime_type or "").lower())
    return f"{base}.{ext}" if ext else base


def fetch_files(
    *,
    client: OParlClient,
    papers: list[n.ImportedPaper],
    municipality_id: int,
    warn: Callable[[str], None],
) -> list[Download]:
    """Download the papers' files not yet attached (by their OParl id), each
    checked like an upload (type, content, at most 20 MB). A file that cannot
    be fetched or is not allowed is a note; the next run tries it again."""
    from django.core.files.base import ContentFile

    from ..models import ATTACHMENT_MAX_BYTES, PaperAttachment

    have = set(
        PaperAttachment.objects.filter(paper__municipality_id=municipality_id)
        .exclude(oparl_id="")
        .values_list("oparl_id", flat=True)
    )
    found: list[Download] = []
    for paper in papers:
        for f in paper.files:
            key = f.oparl_id or f.download_url or f.access_url or ""
            url = f.download_url or f.access_url
            if not url or key in have:
                continue
            have.add(key)
            try:
                content = client.get_bytes(url, max_bytes=ATTACHMENT_MAX_BYTES)
                name = _file_name(f)
                services.check_attachment(ContentFile(content, name=name))
            except OParlError as exc:
                warn(
                    _("A file of paper %(reference)s was not taken over: %(error)s")
                    % {"reference": paper.reference or paper.oparl_id, "error": exc}
                )
                continue
            except ValidationError as exc:
                warn(
                    _("%(url)s: the file of paper %(reference)s was not taken over: %(error)s")
                    % {
                        "url": url,
                        "reference": paper.reference or paper.oparl_id,
                        "error": _error_text(exc),
                    }
                )
                continue
            found.append(
                Download(
                    paper_oparl_id=paper.oparl_id,
                    oparl_id=key[:500],
                    name=(f.name or name)[:255],
                    file_name=name,
                    content=content,
                )
            )
    return found


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(str(m) for messages in exc.message_dict.values() for m in messages)
    return " ".join(str(m) for m in exc.messages)


class WriteError(Exception):
    def __init__(self, url: str, detail: str) -> None:
        super().__init__(url, detail)
        self.url = url
        self.detail = detail

    def __str__(self) -> str:
        return _("%(url)s: the paper cannot be saved: %(detail)s") % {
            "url": self.url,
            "detail": self.detail,
        }


def write_papers(
    *,
    municipality_id: int,
    papers: list[n.ImportedPaper],
    by: Any,
    downloads: list[Download] | None = None,
    deleted: list[str] | None = None,
) -> WriteReport:
    """Create or update every paper (services.paper_upsert: by OParl id,
    else by reference), all in one transaction: a failing paper raises
    WriteError and nothing is saved. Papers without a reference and second
    papers with a reference already in this run are warnings. The local
    papers whose OParl id is in `deleted` (deleted in the council system) are
    marked, never deleted; a marked paper the run finds again is unmarked."""
    report = WriteReport()
    seen: dict[str, str] = {}
    files: dict[str, list[Download]] = {}
    for d in downloads or []:
        files.setdefault(d.paper_oparl_id, []).append(d)
    stored: list[Any] = []
    try:
        with transaction.atomic():
            _write_all(municipality_id, papers, by, report, seen, files, stored)
            report.deleted_at_source = services.papers_mark_deleted_at_source(
                municipality_id=municipality_id,
                oparl_ids=deleted or [],
                by=by,
                at=timezone.now(),
            )
    except BaseException:
        for field_file in stored:  # the rows are rolled back; the files go too
            field_file.storage.delete(field_file.name)
        raise
    return report


def _write_all(
    municipality_id: int,
    papers: list[n.ImportedPaper],
    by: Any,
    report: WriteReport,
    seen: dict[str, str],
    files: dict[str, list[Download]],
    stored: list[Any],
) -> None:
    from django.core.files.base import ContentFile

    for paper in papers:
        if not paper.reference:
            report.warnings.append(
                _("%(url)s: the paper „%(title)s“ has no paper number; it was left out.")
                % {"url": paper.oparl_id, "title": paper.title}
            )
            continue
        key = services.reference_key(paper.reference)
        if key in seen:
            report.warnings.append(
                _(
                    "%(url)s: the paper number %(reference)s is also the number of "
                    "%(other)s; only the first was imported."
                )
                % {"url": paper.oparl_id, "reference": paper.reference, "other": seen[key]}
            )
            continue
        seen[key] = paper.oparl_id
        steps = consultation_data(paper, report.warnings.append)
        try:
            record, outcome = services.paper_upsert(
                municipality_id=municipality_id,
                data=paper_data(paper),
                by=by,
                consultations=steps,
            )
            if services.paper_unmark_deleted_at_source(paper=record, by=by):
                outcome = services.Upsert.UPDATED
            for d in files.get(paper.oparl_id, []):
                item = services.attachment_add(
                    paper=record,
                    file=ContentFile(d.content, name=d.file_name),
                    by=by,
                    name=d.name,
                    oparl_id=d.oparl_id,
                )
                stored.append(item.file)
                report.files += 1
                if outcome == services.Upsert.UNCHANGED:
                    outcome = services.Upsert.UPDATED
        except ValidationError as exc:
            raise WriteError(paper.oparl_id, _error_text(exc)) from exc
        {
            services.Upsert.CREATED: report.created,
            services.Upsert.UPDATED: report.updated,
            services.Upsert.UNCHANGED: report.unchanged,
        }[outcome].append(paper.reference)


# --------------------------------------------------------------------------- runs


def source_for(*, municipality_id: int, url: str) -> OParlSource:
    source, _created = OParlSource.objects.get_or_create(
        municipality_id=municipality_id, url=url.strip()[:500]
    )
    return source


def previous_success(source: OParlSource, keywords: list[str]) -> OParlRun | None:
    """The last successful run with the same keywords: its start is this
    run's modified_since (a new keyword needs the whole list once)."""
    wanted = [k.casefold() for k in keywords]
    for run in source.runs.filter(status=OParlRun.Status.DONE).order_by("-started_at")[:50]:
        if sorted(k.casefold() for k in run.keywords or []) == sorted(wanted):
            return run
    return None


STALE_RUNNING = dt.timedelta(hours=6)  # a run takes minutes; a stopped worker leaves it
STALE_QUEUED = dt.timedelta(days=1)


def fail_stale_runs(*, municipality_id: int | None = None) -> int:
    """Mark runs as failed that a stopped background worker left running (or
    never started): they wrote nothing (the write is one transaction), and
    their page would wait for ever. Returns how many."""
    now = timezone.now()
    stale = OParlRun.objects.filter(
        models.Q(status=OParlRun.Status.RUNNING, started_at__lt=now - STALE_RUNNING)
        | models.Q(status=OParlRun.Status.QUEUED, created_at__lt=now - STALE_QUEUED)
    )
    if municipality_id is not None:
        stale = stale.filter(source__municipality_id=municipality_id)
    return stale.update(
        status=OParlRun.Status.FAILED,
        finished_at=now,
        error=_(
            "The import was interrupted (the background worker stopped or never started "
            "it); nothing was imported."
        ),
    )


def run_create(
    *,
    municipality_id: int,
    url: str,
    keywords: Iterable[str] | None,
    by: Any,
    full: bool = False,
) -> OParlRun:
    """A queued run (the task or the command then calls run_import)."""
    if not can_import_oparl(by, municipality_id):
        raise PermissionDenied
    fail_stale_runs(municipality_id=municipality_id)
    source = source_for(municipality_id=municipality_id, url=url)
    words = normalise_keywords(keywords)
    previous = None if full else previous_success(source, words)
    owner = by if getattr(by, "is_authenticated", False) else None
    return OParlRun.objects.create(
        source=source,
        owner=owner,
        keywords=words,
        modified_since=previous.started_at if previous else None,
    )


def _progress(run_id: int) -> Callable[[str, int], None]:
    def report(stage: str, count: int) -> None:
        OParlRun.objects.filter(pk=run_id).update(stage=stage[:20], stage_count=count)

    return report


def allow_private_hosts() -> bool:
    """May a run started on the page fetch from the platform's own network?
    Only where the setting says so (default: in DEBUG, for the demo)."""
    return bool(getattr(settings, "OPARL_ALLOW_PRIVATE_HOSTS", settings.DEBUG))


def run_import(
    run_id: int, *, by: Any, client_factory: ClientFactory | None = None, files: bool = False
) -> OParlRun:
    """Walk and write one run (see the module's doc); returns the finished run.
    A run started on the page (it has an owner) reads no files and, unless
    allowed, no hosts of the platform's own network; the command may."""
    run = OParlRun.objects.select_related("source__municipality").get(pk=run_id)
    if run.finished:
        return run
    source = run.source
    from_page = run.owner_id is not None
    if client_factory is None:
        private_ok = not from_page or allow_private_hosts()

        def client_factory() -> OParlClient:
            return OParlClient(allow_private=private_ok)

    started = timezone.now()
    OParlRun.objects.filter(pk=run.pk).update(status=OParlRun.Status.RUNNING, started_at=started)
    run.started_at = started
    result: WalkResult | None = None
    report = WriteReport()
    error = ""
    try:
        if from_page and is_file_source(source.url):
            raise OParlError(
                source.url, _("files can only be imported with the command import_oparl")
            )
        with client_factory() as client:
            result = walk(
                source.url,
                client=client,
                keywords=run.keywords,
                modified_since=run.modified_since,
                ags=source.municipality.ags,
                progress=_progress(run.pk),
            )
            downloads: list[Download] = []
            if files:
                _progress(run.pk)("files", 0)
                downloads = fetch_files(
                    client=client,
                    papers=result.papers,
                    municipality_id=source.municipality_id,
                    warn=result.warnings.append,
                )
        _progress(run.pk)("saving", len(result.papers))
        report = write_papers(
            municipality_id=source.municipality_id,
            papers=result.papers,
            by=by,
            downloads=downloads,
            deleted=result.deleted,
        )
    except (OParlError, WriteError) as exc:
        error = str(exc)
    except PermissionDenied:
        error = _(
            "%(url)s: you may not import papers for this municipality; nothing was imported."
        ) % {"url": source.url}
    except Exception:  # a bug must not leave the run "running" forever
        logger.exception("OParl import run %s failed", run.pk)
        error = _("%(url)s: the import failed unexpectedly; nothing was imported.") % {
            "url": source.url
        }
    run.refresh_from_db()
    run.finished_at = timezone.now()
    warnings = (list(result.warnings) if result else []) + report.warnings
    run.warnings = warnings[:MAX_WARNINGS]
    run.requests = result.requests if result else 0
    if error or result is None:
        run.status = OParlRun.Status.FAILED
        run.error = error
        run.created = run.updated = run.unchanged = 0
    else:
        run.status = OParlRun.Status.DONE
        run.created = len(report.created)
        run.updated = len(report.updated)
        run.unchanged = len(report.unchanged)
        run.seen = result.seen_papers
        run.deleted = len(result.deleted)
        source.last_success_at = started
        source.body_oparl_id = result.body.oparl_id[:500]
        source.body_name = (result.body.name or "")[:200]
        source.save(update_fields=["last_success_at", "body_oparl_id", "body_name"])
    run.save()
    audit(
        actor=by,
        action=Action.IMPORT,
        obj=run,
        municipality_id=source.municipality_id,
        object_type="council.oparlrun",
        object_repr=_("OParl import from %(url)s") % {"url": source.url},
        changes={
            "status": run.status,
            "keywords": run.keywords,
            "modified_since": run.modified_since,
            "created": report.created if not error else [],
            "updated": report.updated if not error else [],
            "unchanged": len(report.unchanged) if not error else 0,
            "files": report.files if not error else 0,
            "deleted_at_source": report.deleted_at_source if not error else [],
            "error": error,
        },
    )
    return run


def runs_visible_to(*, user: Any) -> Any:
    from .permissions import runs_visible_q

    return OParlRun.objects.filter(runs_visible_q(user)).select_related("source__municipality")


def _run_entry(run: OParlRun) -> Any:
    from schulsozial.core.models import AuditEntry

    return AuditEntry.objects.filter(
        object_type="council.oparlrun", object_id=str(run.pk), action=Action.IMPORT
    ).first()


def run_files(run: OParlRun) -> int:
    """How many files a finished run attached (from its audit entry)."""
    entry = _run_entry(run)
    return int(entry.changes.get("files", 0) or 0) if entry else 0


def run_papers(run: OParlRun) -> list[tuple[str, str, Paper | None]]:
    """("created", "updated" or "deleted_at_source", the reference, the paper) of what a
    finished run wrote, from
    its audit entry (the paper is None when it was deleted since)."""
    entry = _run_entry(run)
    if entry is None:
        return []
    wanted = [
        *[("created", r) for r in entry.changes.get("created", [])],
        *[("updated", r) for r in entry.changes.get("updated", [])],
        *[("deleted_at_source", r) for r in entry.changes.get("deleted_at_source", [])],
    ]
    papers = {
        p.reference: p
        for p in Paper.objects.filter(
            municipality_id=run.source.municipality_id, reference__in=[r for _k, r in wanted]
        )
    }
    return [(kind, ref, papers.get(ref)) for kind, ref in wanted[:500]]


def since_text(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M") if moment else ""
