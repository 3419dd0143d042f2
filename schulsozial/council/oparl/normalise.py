"""OParl objects as real servers send them -> plain dataclasses.

Pure functions (no database, no network). What they survive:

- type URLs of OParl 1.0 and 1.1 (``https://schema.oparl.org/1.0/Paper``,
  ``.../1.1/Paper``, the old ``http://oparl.org/schema/1.0/Paper``), or no
  ``type`` at all (deleted objects);
- "", "N/A", "-" where the schema asks for null or an omitted field, and
  lists of such (``equivalent: [""]``);
- a single value where a list is due (``consultation.organization`` as one
  URL, ``auxiliaryFile`` as one object), an object where a URL is due and
  the other way round;
- dates as ``2014-04-04`` or as a date-time (``2021-04-27T21:51:03+02:00``),
  date-times without offset (read as German time) or unreadable (None).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Berlin")
NULL_WORDS = frozenset({"", "n/a", "na", "-", "--", "null", "none", "keine angabe", "k.a."})
_TYPE_RE = re.compile(r"/(?P<name>[A-Za-z]+)/?$")

Objects = Mapping[str, Mapping[str, Any]]
Warn = Callable[[str], None]


def clean(value: Any) -> Any:
    """None for the placeholders servers send instead of null; strings stripped."""
    if isinstance(value, str):
        text = value.strip()
        return None if text.casefold() in NULL_WORDS else text
    return value


def text(value: Any, max_length: int | None = None) -> str | None:
    """A cleaned string (numbers become text), else None."""
    value = clean(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:max_length] if max_length else value


def as_list(value: Any) -> list[Any]:
    """Always a list: [] for null/"", [x] for a single object or URL, the
    list's entries without null/"" placeholders."""
    value = clean(value)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [v for v in (clean(v) for v in value) if v is not None and v != {}]
    return [value]


def ref(value: Any) -> str | None:
    """The URL of a reference given as a URL or as an embedded object."""
    value = clean(value)
    if isinstance(value, Mapping):
        return text(value.get("id"))
    return text(value)


def refs(value: Any) -> list[str]:
    return [r for r in (ref(v) for v in as_list(value)) if r]


def type_name(obj: Any) -> str | None:
    """ "Paper" for every spelling of the type URL; None without a type."""
    if not isinstance(obj, Mapping):
        return None
    kind = text(obj.get("type"))
    if not kind:
        return None
    match = _TYPE_RE.search(kind)
    return match["name"] if match else kind


def oparl_version(obj: Any) -> str | None:
    """ "1.0" or "1.1" from an object's type URL (or System.oparlVersion)."""
    if not isinstance(obj, Mapping):
        return None
    for key in ("oparlVersion", "type"):
        value = text(obj.get(key)) or ""
        found = re.search(r"(\d+\.\d+)", value)
        if found:
            return found[1]
    return None


def is_deleted(obj: Any) -> bool:
    return isinstance(obj, Mapping) and obj.get("deleted") in (True, "true", "True", 1)


def parse_datetime(value: Any) -> dt.datetime | None:
    """An aware date-time; a bare date is midnight German time; None if unreadable."""
    value = text(value)
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
        moment = dt.datetime.combine(day, dt.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL)
    return moment


def parse_date(value: Any) -> dt.date | None:
    """The (German) day of a date or date-time; None if unreadable."""
    value = text(value)
    if not value:
        return None
    if len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    moment = parse_datetime(value)
    return moment.astimezone(LOCAL).date() if moment else None


# --------------------------------------------------------------------------- lists


def list_items(doc: Any) -> list[Any] | None:
    """The objects of a list page (``{"data": [...]}``) or of a bare list;
    None when `doc` is neither."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, Mapping) and isinstance(doc.get("data"), list):
        return list(doc["data"])
    return None


def next_page(doc: Any) -> str | None:
    """``links.next`` of a list page (1.0 servers also wrote ``next`` at the top)."""
    if not isinstance(doc, Mapping):
        return None
    links = doc.get("links")
    if isinstance(links, Mapping) and ref(links.get("next")):
        return ref(links.get("next"))
    return ref(doc.get("next"))


def page_numbers(doc: Any) -> tuple[int | None, int | None]:
    """(currentPage, totalPages) of a list page's ``pagination``, if given."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("pagination"), Mapping):
        return None, None
    pagination = doc["pagination"]

    def number(key: str) -> int | None:
        try:
            return int(pagination.get(key))
        except (TypeError, ValueError):
            return None

    return number("currentPage"), number("totalPages")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class BodyInfo:
    oparl_id: str
    name: str | None
    short_name: str | None
    ags: str | None
    paper_list: str | None
    meeting_list: str | None
    organization_list: str | None
    license: str | None
    version: str | None


@dataclass(frozen=True)
class ImportedFile:
    oparl_id: str | None
    name: str | None
    file_name: str | None
    mime_type: str | None
    size: int | None
    access_url: str | None
    download_url: str | None
    date: dt.date | None
    main: bool = False


@dataclass(frozen=True)
class ImportedConsultation:
    oparl_id: str | None
    committee: str | None  # the organization's name
    committee_short_name: str | None
    committee_oparl_id: str | None
    meeting_oparl_id: str | None
    meeting_name: str | None
    date: dt.date | None  # from the meeting's start
    role: str | None
    result: str | None  # from the meeting's agenda item
    authoritative: bool | None


@dataclass(frozen=True)
class ImportedPaper:
    oparl_id: str
    reference: str | None
    title: str
    paper_type: str | None
    date: dt.date | None
    modified: dt.datetime | None
    web: str | None = None
    consultations: tuple[ImportedConsultation, ...] = ()
    files: tuple[ImportedFile, ...] = ()
    lead_department: str | None = None


def normalise_body(obj: Mapping[str, Any]) -> BodyInfo:
    return BodyInfo(
        oparl_id=ref(obj.get("id")) or "",
        name=text(obj.get("name"), 200),
        short_name=text(obj.get("shortName"), 100),
        ags=text(obj.get("ags"), 12),
        paper_list=ref(obj.get("paper")),
        meeting_list=ref(obj.get("meeting")),
        organization_list=ref(obj.get("organization")),
        license=text(obj.get("license"), 300),
        version=oparl_version(obj),
    )


def normalise_file(obj: Any, *, main: bool = False) -> ImportedFile | None:
    if not isinstance(obj, Mapping) or is_deleted(obj):
        return None
    size = obj.get("size")
    try:
        size_value = int(size) if size not in (None, "") else None
    except (TypeError, ValueError):
        size_value = None
    access = ref(obj.get("accessUrl"))
    download = ref(obj.get("downloadUrl"))
    if not (access or download):
        return None  # nothing to link to
    return ImportedFile(
        oparl_id=ref(obj.get("id")),
        name=text(obj.get("name"), 300) or text(obj.get("fileName"), 300),
        file_name=text(obj.get("fileName"), 300),
        mime_type=text(obj.get("mimeType"), 100),
        size=size_value if size_value and size_value > 0 else None,
        access_url=access,
        download_url=download,
        date=parse_date(obj.get("date")),
        main=main,
    )


def paper_files(obj: Mapping[str, Any]) -> tuple[ImportedFile, ...]:
    """mainFile first, then auxiliaryFile (a list, or one object on some servers)."""
    files: list[ImportedFile] = []
    seen: set[str] = set()
    for raw, main in [(obj.get("mainFile"), True)] + [
        (f, False) for f in as_list(obj.get("auxiliaryFile"))
    ]:
        found = normalise_file(raw, main=main)
        if found is None:
            continue
        key = found.oparl_id or found.access_url or found.download_url or ""
        if key in seen:
            continue
        seen.add(key)
        files.append(found)
    return tuple(files)


def _agenda_result(
    meeting: Mapping[str, Any] | None, consultation: Mapping[str, Any]
) -> str | None:
    """The result of the consultation's agenda item: embedded in the
    consultation (some servers), or in the meeting's ``agendaItem`` list,
    found by the agenda item's URL or by its back link ``consultation``."""
    item = consultation.get("agendaItem")
    if isinstance(item, Mapping) and text(item.get("result")):
        return text(item.get("result"), 200)
    item_id = ref(item)
    consultation_id = ref(consultation.get("id"))
    if not meeting:
        return None
    for entry in as_list(meeting.get("agendaItem")):
        if not isinstance(entry, Mapping) or is_deleted(entry):
            continue
        if (item_id and ref(entry.get("id")) == item_id) or (
            consultation_id and ref(entry.get("consultation")) == consultation_id
        ):
            return text(entry.get("result"), 200)
    return None


def normalise_consultation(
    obj: Mapping[str, Any],
    *,
    meetings: Objects,
    organizations: Objects,
    warn: Warn,
) -> ImportedConsultation:
    meeting_id = ref(obj.get("meeting"))
    embedded = obj.get("meeting") if isinstance(obj.get("meeting"), Mapping) else None
    meeting = meetings.get(meeting_id or "") or embedded
    if meeting is not None and is_deleted(meeting):
        meeting = None
    organization_ids = refs(obj.get("organization"))
    if not organization_ids and meeting is not None:
        organization_ids = refs(meeting.get("organization"))
    organization: Mapping[str, Any] | None = None
    for candidate in organization_ids:
        found = organizations.get(candidate)
        if found is not None and not is_deleted(found):
            organization = found
            break
    if organization is None:
        for raw in as_list(obj.get("organization")):
            if isinstance(raw, Mapping) and text(raw.get("name")):
                organization = raw  # embedded by the server
                break
    authoritative = obj.get("authoritative")
    return ImportedConsultation(
        oparl_id=ref(obj.get("id")),
        committee=text(organization.get("name"), 200) if organization else None,
        committee_short_name=text(organization.get("shortName"), 100) if organization else None,
        committee_oparl_id=(ref(organization.get("id")) if organization else None)
        or (organization_ids[0] if organization_ids else None),
        meeting_oparl_id=meeting_id,
        meeting_name=text(meeting.get("name"), 200) if meeting else None,
        date=parse_date(meeting.get("start")) if meeting else None,
        role=text(obj.get("role"), 100),
        result=_agenda_result(meeting, obj),
        authoritative=authoritative if isinstance(authoritative, bool) else None,
    )


def normalise_paper(
    obj: Mapping[str, Any],
    *,
    meetings: Objects,
    organizations: Objects,
    warn: Warn,
) -> ImportedPaper:
    """One paper with its consultations in date order (undated ones last, in
    the server's order) and its files."""
    consultations = [
        normalise_consultation(c, meetings=meetings, organizations=organizations, warn=warn)
        for c in as_list(obj.get("consultation"))
        if isinstance(c, Mapping) and not is_deleted(c)
    ]
    order = {id(c): i for i, c in enumerate(consultations)}
    consultations.sort(key=lambda c: (c.date is None, c.date or dt.date.min, order[id(c)]))
    lead = None
    for org_id in refs(obj.get("underDirectionOf")):
        found = organizations.get(org_id)
        if found and text(found.get("name")):
            lead = text(found.get("name"), 200)
            break
    return ImportedPaper(
        oparl_id=ref(obj.get("id")) or "",
        reference=text(obj.get("reference"), 100),
        title=text(obj.get("name"), 500) or "",
        paper_type=text(obj.get("paperType"), 100),
        date=parse_date(obj.get("date")),
        modified=parse_datetime(obj.get("modified")),
        web=ref(obj.get("web")),
        consultations=tuple(consultations),
        files=paper_files(obj),
        lead_department=lead,
    )


def linked_ids(obj: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """The meetings and organizations a paper's consultations link to
    (URLs only; embedded objects need no fetching)."""
    meetings: set[str] = set()
    organizations: set[str] = set()
    for consultation in as_list(obj.get("consultation")):
        if not isinstance(consultation, Mapping) or is_deleted(consultation):
            continue
        meeting = consultation.get("meeting")
        if isinstance(clean(meeting), str):
            meetings.add(clean(meeting))
        for org in as_list(consultation.get("organization")):
            if isinstance(org, str):
                organizations.add(org)
    organizations.update(r for r in as_list(obj.get("underDirectionOf")) if isinstance(r, str))
    return meetings, organizations


def matches_keywords(title: str, keywords: Iterable[str]) -> bool:
    """Does the title contain one of the keywords (case and ß/ss insensitive)?"""
    folded = title.casefold()
    return any(k.casefold() in folded for k in keywords if k.strip())


@dataclass
class Collected:
    """Objects of the lists, by id."""

    papers: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    meetings: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    organizations: dict[str, Mapping[str, Any]] = field(default_factory=dict)
