"""Walking an OParl server: System -> Body -> the paginated lists.

``walk()`` collects everything one import needs and writes nothing:

1. the start document: a system URL, a body URL, or a saved JSON file (a
   System, a Body, a list of bodies, or a saved list of OParl objects:
   papers, meetings and organizations in one file are read offline);
2. the body: the system's ``body`` list (or a single Body where a list is
   due), chosen by the municipality's AGS when the system has several;
3. the paper list (``modified_since`` on incremental runs, checked again on
   this side: servers ignore it or drop it on page 2), following
   ``links.next`` (or ``pagination`` when a server gives only page numbers);
4. the organization and meeting lists (committee names, meeting dates and
   agenda results); a link to an object in no list is fetched by its URL,
   and one that answers 404 is a warning, not a failure.

Deleted objects (``deleted: true``, often without a ``type``) are skipped
and counted. Any other failure raises an ``OParlError`` naming the URL.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from django.utils.translation import gettext as _

from . import normalise as n
from .client import OParlClient, OParlError, OParlFormatError, OParlNotFoundError, decode_json

logger = logging.getLogger(__name__)

DEFAULT_KEYWORDS = ("Schulsozialarbeit",)
MAX_PAGES = 5000  # per list: 500,000 objects at 100 a page
MAX_LINKED = 2000  # objects fetched one by one per run
MAX_FILE_BYTES = 200 * 1024 * 1024

Progress = Callable[[str, int], None]


@dataclass
class WalkResult:
    source: str
    body: n.BodyInfo
    papers: list[n.ImportedPaper] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seen_papers: int = 0  # in the list (after the modified filter)
    skipped_unmodified: int = 0  # sent although older than modified_since
    deleted: list[str] = field(default_factory=list)  # ids of deleted papers
    requests: int = 0
    version: str | None = None


def is_file_source(source: str) -> bool:
    if source.startswith("file://"):
        return True
    return not urlsplit(source).scheme.startswith("http") and Path(source).exists()


def load_file(source: str) -> Any:
    path = Path(source.removeprefix("file://"))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise OParlFormatError(str(path), _("the file is larger than 200 MB"))
        content = path.read_bytes()
    except OSError as exc:
        raise OParlError(
            str(path), _("the file cannot be read (%(reason)s)") % {"reason": exc.strerror or exc}
        ) from exc
    return decode_json(str(path), content)


def with_params(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` set (replacing values of the same name)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


class Walker:
    def __init__(
        self,
        *,
        client: OParlClient,
        keywords: Iterable[str] = DEFAULT_KEYWORDS,
        modified_since: dt.datetime | None = None,
        ags: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.keywords = [k.strip() for k in keywords if k and k.strip()] or list(DEFAULT_KEYWORDS)
        self.modified_since = modified_since
        self.ags = ags
        self.progress = progress or (lambda stage, count: None)
        self.warnings: list[str] = []
        self.collected = n.Collected()
        self._fetched_missing: set[str] = set()

    # ------------------------------------------------------------------ helpers

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def fetch(self, url: str) -> Any:
        return self.client.get(url)

    def iter_list(self, url: str, *, params: Mapping[str, str] | None = None) -> Iterator[Any]:
        """Every entry of an external list, page after page. The filter
        parameters are put on every page's URL again (servers drop them)."""
        params = dict(params or {})
        page_url: str | None = with_params(url, params) if params else url
        seen: set[str] = set()
        pages = 0
        while page_url:
            if page_url in seen:
                self.warn(
                    _("%(url)s: the list links back to a page already read; stopped there.")
                    % {"url": page_url}
                )
                return
            seen.add(page_url)
            pages += 1
            if pages > MAX_PAGES:
                raise OParlFormatError(url, _("more than %(count)s pages") % {"count": MAX_PAGES})
            doc = self.fetch(page_url)
            items = n.list_items(doc)
            if items is None:
                if isinstance(doc, Mapping) and n.type_name(doc):
                    items = [doc]  # a single object where a list is due
                else:
                    raise OParlFormatError(page_url, _("neither a list page nor a list"))
            yield from items
            following = n.next_page(doc)
            if following:
                following = urljoin(page_url, following)  # a relative link (against the spec)
            if following is None:
                current, total = n.page_numbers(doc)
                if current is not None and total is not None and current < total and items:
                    following = with_params(page_url, {"page": str(current + 1)})
            if following and params:
                following = with_params(following, params)
            page_url = following

    # ------------------------------------------------------------------ start

    def start(self, source: str) -> tuple[Any, str]:
        if is_file_source(source):
            return load_file(source), source
        return self.fetch(source), source

    def find_body(self, doc: Any, where: str) -> Mapping[str, Any] | None:
        """The Body for the municipality, from a System, a Body, a list of
        bodies; None when `doc` is a saved list of other objects."""
        kind = n.type_name(doc) if isinstance(doc, Mapping) else None
        if kind == "Body":
            return doc
        if kind == "System":
            body_ref = doc.get("body")
            if isinstance(body_ref, list | Mapping) and not isinstance(body_ref, str):
                bodies = [b for b in n.as_list(body_ref) if isinstance(b, Mapping)]
            else:
                body_url = n.ref(body_ref)
                if not body_url:
                    raise OParlFormatError(where, _("the system names no body list"))
                bodies = [b for b in self.iter_list(body_url) if isinstance(b, Mapping)]
                where = body_url
            return self.choose_body(bodies, where)
        items = n.list_items(doc)
        if items is not None:
            bodies = [b for b in items if n.type_name(b) == "Body" and not n.is_deleted(b)]
            if bodies:
                return self.choose_body(bodies, where)
            return None
        raise OParlFormatError(
            where,
            _("expected an OParl System or Body, found %(type)s")
            % {"type": n.type_name(doc) or _("an object without type")},
        )

    def choose_body(self, bodies: list[Mapping[str, Any]], where: str) -> Mapping[str, Any]:
        bodies = [b for b in bodies if not n.is_deleted(b) and n.type_name(b) in ("Body", None)]
        if not bodies:
            raise OParlFormatError(where, _("the system lists no body"))
        if self.ags:
            wanted = self.ags.strip()
            for body in bodies:
                ags = (n.text(body.get("ags")) or "").strip()
                rgs = (n.text(body.get("rgs")) or "").strip()
                if ags and (ags == wanted or ags.startswith(wanted)):
                    return body
                if rgs and rgs[:5] + rgs[9:] == wanted:  # RGS 12 digits -> AGS 8
                    return body
        if len(bodies) == 1:
            return bodies[0]
        names = ", ".join(sorted(n.text(b.get("name")) or "?" for b in bodies))
        raise OParlFormatError(
            where,
            _(
                "the system has several bodies (%(names)s) and none has the AGS %(ags)s; "
                "give the URL of the body instead"
            )
            % {"names": names, "ags": self.ags or "–"},
        )

    # ------------------------------------------------------------------ walk

    def walk(self, source: str) -> WalkResult:
        doc, where = self.start(source)
        body = self.find_body(doc, where)
        if body is None:  # a saved list of objects: read offline
            info = n.BodyInfo(where, None, None, None, None, None, None, None, n.oparl_version(doc))
            self.collect_offline(n.list_items(doc) or [])
        else:
            info = n.normalise_body(body)
            if not info.paper_list:
                raise OParlFormatError(info.oparl_id or where, _("the body names no paper list"))
            self.collect_papers(info.paper_list)
        result = WalkResult(source=source, body=info, version=info.version)
        candidates = self.filter_papers(result)
        if body is not None and candidates:
            self.collect_organizations(info.organization_list)
            self.collect_meetings(info.meeting_list)
        for raw in self.resolve_links(candidates):
            paper = n.normalise_paper(
                raw,
                meetings=self.collected.meetings,
                organizations=self.collected.organizations,
                warn=self.warn,
            )
            if not paper.oparl_id:
                self.warn(_("A paper without id (%(title)s) was skipped.") % {"title": paper.title})
                continue
            result.papers.append(paper)
        result.warnings = self.warnings
        result.requests = self.client.requests
        return result

    def collect_offline(self, items: list[Any]) -> None:
        for item in items:
            if not isinstance(item, Mapping):
                continue
            kind = n.type_name(item)
            item_id = n.ref(item.get("id"))
            if not item_id:
                continue
            if kind == "Paper" or (kind is None and n.is_deleted(item)):
                self.collected.papers[item_id] = item
            elif kind == "Meeting":
                self.collected.meetings[item_id] = item
            elif kind == "Organization":
                self.collected.organizations[item_id] = item

    def _since_params(self) -> dict[str, str]:
        return {"modified_since": _iso(self.modified_since)} if self.modified_since else {}

    def collect_papers(self, url: str) -> None:
        count = 0
        for item in self.iter_list(url, params=self._since_params()):
            if not isinstance(item, Mapping):
                continue
            item_id = n.ref(item.get("id"))
            kind = n.type_name(item)
            if not item_id or kind not in ("Paper", None):
                continue
            self.collected.papers[item_id] = item
            count += 1
            if count % 100 == 0:
                self.progress("papers", count)
        self.progress("papers", count)

    def filter_papers(self, result: WalkResult) -> list[Mapping[str, Any]]:
        """Papers not deleted, changed since the last run (checked here too),
        whose title has a keyword."""
        chosen = []
        for item_id, item in self.collected.papers.items():
            if n.is_deleted(item):
                result.deleted.append(item_id)
                continue
            if n.type_name(item) is None:
                continue  # an object without type that is not deleted: not a paper
            modified = n.parse_datetime(item.get("modified"))
            if self.modified_since and modified and modified < self.modified_since:
                result.skipped_unmodified += 1
                continue
            result.seen_papers += 1
            if n.matches_keywords(n.text(item.get("name")) or "", self.keywords):
                chosen.append(item)
        return chosen

    def collect_organizations(self, url: str | None) -> None:
        if not url:
            return
        for item in self.iter_list(url):
            self._keep(item, "Organization", self.collected.organizations)
        self.progress("organizations", len(self.collected.organizations))

    def collect_meetings(self, url: str | None) -> None:
        """The meeting list (changed since the last run on incremental runs:
        older meetings the papers link to are fetched one by one)."""
        if not url:
            return
        for item in self.iter_list(url, params=self._since_params()):
            self._keep(item, "Meeting", self.collected.meetings)
        self.progress("meetings", len(self.collected.meetings))

    @staticmethod
    def _keep(item: Any, kind: str, into: dict[str, Mapping[str, Any]]) -> None:
        if not isinstance(item, Mapping) or n.is_deleted(item):
            return
        if n.type_name(item) not in (kind, None):
            return
        item_id = n.ref(item.get("id"))
        if item_id:
            into[item_id] = item

    def resolve_links(self, papers: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Fetch what the papers link to and no list contained: consultations
        given as URLs (some servers do not embed them), then meetings and
        organizations; 404 is a warning (the consultation stays without)."""
        papers = [self._expand_consultations(p) for p in papers]
        meetings: set[str] = set()
        organizations: set[str] = set()
        for paper in papers:
            m, o = n.linked_ids(paper)
            meetings |= m
            organizations |= o
        for url in sorted(meetings - self.collected.meetings.keys()):
            found = self._fetch_linked(url, "Meeting")
            if found is not None:
                self.collected.meetings[url] = found
                organizations |= set(n.refs(found.get("organization")))
        for url in sorted(organizations - self.collected.organizations.keys()):
            found = self._fetch_linked(url, "Organization")
            if found is not None:
                self.collected.organizations[url] = found
        return papers

    def _expand_consultations(self, paper: Mapping[str, Any]) -> Mapping[str, Any]:
        entries = n.as_list(paper.get("consultation"))
        if not any(isinstance(e, str) for e in entries):
            return paper
        expanded = []
        for entry in entries:
            if isinstance(entry, str):
                found = self._fetch_linked(entry, "Consultation")
                if found is not None:
                    expanded.append(found)
            elif isinstance(entry, Mapping):
                expanded.append(entry)
        return {**paper, "consultation": expanded}

    def _fetch_linked(self, url: str, kind: str) -> Mapping[str, Any] | None:
        if url in self._fetched_missing:
            return None
        self._fetched_missing.add(url)
        if len(self._fetched_missing) > MAX_LINKED:
            raise OParlFormatError(
                url,
                _("more than %(count)s linked objects outside the lists") % {"count": MAX_LINKED},
            )
        try:
            doc = self.fetch(url)
        except OParlNotFoundError as exc:
            self.warn(
                _("%(url)s: the linked object is missing (HTTP %(status)s); imported without it.")
                % {"url": url, "status": exc.status}
            )
            return None
        if not isinstance(doc, Mapping) or n.is_deleted(doc):
            self.warn(
                _("%(url)s: the linked object is deleted; imported without it.") % {"url": url}
            )
            return None
        if n.type_name(doc) not in (kind, None):
            self.warn(
                _("%(url)s: expected an object of type %(kind)s; imported without it.")
                % {"url": url, "kind": kind}
            )
            return None
        return doc


def walk(
    source: str,
    *,
    client: OParlClient,
    keywords: Iterable[str] = DEFAULT_KEYWORDS,
    modified_since: dt.datetime | None = None,
    ags: str | None = None,
    progress: Progress | None = None,
) -> WalkResult:
    """Collect the papers of `source` that match (see the module's doc)."""
    return Walker(
        client=client, keywords=keywords, modified_since=modified_since, ags=ags, progress=progress
    ).walk(source)
