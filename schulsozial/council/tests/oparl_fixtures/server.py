"""A fake OParl server for the import tests (127.0.0.1, a free port).

Its objects are the OParl specification's examples (spec/, CC BY-SA 4.0,
see README.md) with the host rewritten, plus papers, meetings and
organizations derived from them. Lists are paginated (``page_size``) with
``links.next`` and ``pagination``; ``modified_since`` filters them.

Quirks (``FakeOParl(quirks={...})``), each what a real server does:

- ``v1.0``: every type URL is ``https://schema.oparl.org/1.0/...``;
- ``placeholders``: "" and "N/A" for null (paperType, date, web,
  shortName, the system's website), ``equivalent: [""]``;
- ``org_string``: ``consultation.organization`` as one URL, not a list;
- ``aux_object``: ``auxiliaryFile`` as one object, not a list;
- ``consultation_urls``: a paper's consultations as URLs, not embedded;
- ``bare_list``: the organization list answers a bare JSON array;
- ``empty_bare``: the meeting list answers a bare ``[]``;
- ``body_object``: the system's body list answers the Body object itself;
- ``deleted``: deleted papers without ``type`` in the paper list;
- ``dangling``: a consultation links to a meeting that answers 404 and to
  an organization that is in no list (its URL answers);
- ``ignore_since``: ``modified_since`` is ignored;
- ``drop_since``: ``links.next`` drops ``modified_since`` (the server
  filters only when the parameter is there);
- ``pagination_only``: no ``links.next``, only ``pagination`` numbers;
- ``relative_next``: ``links.next`` is a relative URL;
- ``file_errors``: the file of paper 1001's annex answers 404, paper
  1002's main file is an HTML page named .pdf;
- ``flaky``: the first two requests of the paper list answer HTTP 500;
- ``broken``: page 2 of the paper list always answers HTTP 500;
- ``invalid_json``: page 2 of the paper list is cut-off JSON;
- ``slow``: page 2 of the paper list answers after 2 seconds.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

HERE = Path(__file__).parent
SPEC_HOST = "https://oparl.example.org"
V11 = "https://schema.oparl.org/1.1/"
V10 = "https://schema.oparl.org/1.0/"


def spec(name: str) -> dict[str, Any]:
    return json.loads((HERE / "spec" / f"{name}.json").read_text(encoding="utf-8"))


def vendor(name: str) -> Any:
    return json.loads((HERE / "vendors" / f"{name}.json").read_text(encoding="utf-8"))


# The derived papers: (number, reference, title, paper type, modified,
# consultations as (organization, meeting, role, authoritative)).
PAPERS = [
    (
        1001,
        "2024/0417",
        "Sachstandsbericht Schulsozialarbeit 2023/24",
        "Berichtsvorlage",
        "2024-03-01T10:00:00+01:00",
        [(35, 282, "Kenntnisnahme", False), (34, 281, "Beschlussfassung", True)],
    ),
    (
        1002,
        "2024/0533",
        "Rahmenkonzept Schulsozialarbeit – Fortschreibung 2025",
        "Beschlussvorlage",
        "2024-04-02T09:30:00+02:00",
        [(35, 282, "Vorberatung", False)],
    ),
    (
        1003,
        "2024/0600",
        "Haushaltssatzung 2025",
        "Beschlussvorlage",
        "2024-05-03T08:00:00+02:00",
        [(34, 281, "Beschlussfassung", True)],
    ),
    (
        1004,
        "A 17/2024",
        "Ausbau der SCHULSOZIALARBEIT an Grundschulen",
        "Antrag",
        "2024-06-04T12:00:00+02:00",
        [(35, 282, "Anhörung", False)],
    ),
    (
        1005,
        "2024/0711",
        "Jugendhilfeplanung: Schulsozialarbeit und Ganztag",
        "Mitteilungsvorlage",
        "2024-07-05T15:45:00+02:00",
        [],
    ),
]


class FakeOParl:
    def __init__(
        self,
        *,
        quirks: set[str] | frozenset[str] = frozenset(),
        page_size: int = 2,
        port: int = 0,
        delay: float = 0.0,
    ):
        self.quirks = set(quirks)
        self.page_size = page_size
        self.requests: list[str] = []
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self.delay = delay  # seconds before every answer (to watch the progress page)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.objects: dict[str, dict[str, Any]] = {}
        self.lists: dict[str, list[str]] = {"papers": [], "meetings": [], "organizations": []}
        self._build()

    # ------------------------------------------------------------------ world

    def url(self, path: str) -> str:
        return self.base + path

    def _rehost(self, obj: Any) -> Any:
        return json.loads(json.dumps(obj).replace(SPEC_HOST, self.base))

    def _build(self) -> None:
        system = self._rehost(spec("System-01"))
        system["body"] = self.url("/bodies")
        self.objects["/"] = system
        body = self._rehost(spec("Body-01"))
        self.objects["/body/0"] = body
        for key, path in (
            ("paper", "papers"),
            ("meeting", "meetings"),
            ("organization", "organizations"),
        ):
            body[key] = self.url(f"/body/0/{path}/")
        if "placeholders" in self.quirks:
            body["equivalent"] = [""]
            body["shortName"] = ""
            system["website"] = "N/A"

        org34 = self._rehost(spec("Organization-01"))
        self._add("organizations", "/organization/34", org34)
        org35 = copy.deepcopy(org34)
        org35.update(
            id=self.url("/organization/35"),
            name="Ausschuss für Kinder, Jugend und Familie",
            shortName="AKJF",
            modified="2019-02-01T10:00:00+01:00",
        )
        self._add("organizations", "/organization/35", org35)
        if "dangling" in self.quirks:  # in no list, but its URL answers
            org77 = copy.deepcopy(org34)
            org77.update(id=self.url("/organization/77"), name="Integrationsrat", shortName="IR")
            self.objects["/organization/77"] = org77

        meeting281 = self._rehost(spec("Meeting-01"))
        meeting281.update(start="2024-03-12T17:00:00+01:00", end="2024-03-12T20:00:00+01:00")
        self._add("meetings", "/meeting/281", meeting281)
        meeting282 = copy.deepcopy(meeting281)
        meeting282.update(
            id=self.url("/meeting/282"),
            name="12. Sitzung des Ausschusses für Kinder, Jugend und Familie",
            start="2024-02-20T16:00:00+01:00",
            end="2024-02-20T19:00:00+01:00",
            organization=[self.url("/organization/35")],
        )
        meeting282["agendaItem"] = []
        self._add("meetings", "/meeting/282", meeting282)

        spec_paper = self._rehost(spec("Paper-01"))
        spec_paper["consultation"][0]["meeting"] = self.url("/meeting/281")
        spec_paper["consultation"][0]["organization"] = [self.url("/organization/34")]
        self._add("papers", "/paper/749", spec_paper)
        for number, reference, title, kind, modified, consultations in PAPERS:
            paper = copy.deepcopy(spec_paper)
            paper.update(
                id=self.url(f"/paper/{number}"),
                name=title,
                reference=reference,
                paperType=kind,
                date=modified[:10],
                modified=modified,
                web=f"https://ris.example.org/vo020?VOLFDNR={number}",
            )
            paper.pop("relatedPaper", None)
            paper["mainFile"] = dict(
                paper["mainFile"],
                id=self.url(f"/files/{number}"),
                name=f"Vorlage {reference}",
                accessUrl=self.url(f"/files/{number}.pdf"),
                downloadUrl=self.url(f"/files/{number}.pdf"),
            )
            paper["auxiliaryFile"] = [
                dict(
                    paper["auxiliaryFile"][0],
                    id=self.url(f"/files/{number}-1"),
                    name="Anlage 1",
                    accessUrl=self.url(f"/files/{number}-1.pdf"),
                    downloadUrl=self.url(f"/files/{number}-1.pdf"),
                )
            ]
            paper["underDirectionOf"] = [self.url("/organization/35")]
            paper["consultation"] = []
            for i, (org, meeting, role, authoritative) in enumerate(consultations):
                consultation_id = self.url(f"/consultation/{number}-{i}")
                paper["consultation"].append(
                    {
                        "id": consultation_id,
                        "type": V11 + "Consultation",
                        "paper": paper["id"],
                        "meeting": self.url(f"/meeting/{meeting}"),
                        "organization": [self.url(f"/organization/{org}")],
                        "authoritative": authoritative,
                        "role": role,
                    }
                )
                meeting_obj = self.objects[f"/meeting/{meeting}"]
                meeting_obj["agendaItem"].append(
                    {
                        "id": self.url(f"/agendaitem/{number}-{i}"),
                        "type": V11 + "AgendaItem",
                        "meeting": meeting_obj["id"],
                        "number": str(10 + i),
                        "name": title,
                        "public": True,
                        "consultation": consultation_id,
                        "result": "einstimmig beschlossen"
                        if authoritative
                        else "zur Kenntnis genommen",
                    }
                )
            self._add("papers", f"/paper/{number}", paper)
        if "dangling" in self.quirks:
            paper = self.objects["/paper/1004"]
            paper["consultation"].append(
                {
                    "id": self.url("/consultation/1004-9"),
                    "type": V11 + "Consultation",
                    "meeting": self.url("/meeting/404"),
                    "organization": [self.url("/organization/77")],
                    "role": "Vorberatung",
                }
            )
        if "deleted" in self.quirks:
            for number in (998, 999):
                path = f"/paper/{number}"
                self.objects[path] = {
                    "id": self.url(path),
                    "deleted": True,
                    "modified": "2024-08-01T00:00:00+02:00",
                }
                self.lists["papers"].insert(1, path)
        for path in self.lists["papers"]:
            paper = self.objects[path]
            if "org_string" in self.quirks:
                for c in paper.get("consultation", []):
                    c["organization"] = c["organization"][0]
            if "consultation_urls" in self.quirks:
                for c in paper.get("consultation", []):
                    self.objects[urlsplit(c["id"]).path] = c
                paper["consultation"] = [c["id"] for c in paper.get("consultation", [])]
            if "aux_object" in self.quirks and paper.get("auxiliaryFile"):
                paper["auxiliaryFile"] = paper["auxiliaryFile"][0]
            if "placeholders" in self.quirks and not paper.get("deleted"):
                paper.update(paperType="", date="N/A", web="N/A")

    def _add(self, kind: str, path: str, obj: dict[str, Any]) -> None:
        self.objects[path] = obj
        self.lists[kind].append(path)

    def change_paper(self, number: int, **fields: Any) -> None:
        """A change in the council system: new values, modified = now."""
        paper = self.objects[f"/paper/{number}"]
        paper.update(fields)
        paper["modified"] = dt.datetime.now(dt.UTC).isoformat()

    def add_paper(self, number: int, reference: str, title: str) -> None:
        paper = copy.deepcopy(self.objects["/paper/1005"])
        paper.update(
            id=self.url(f"/paper/{number}"),
            reference=reference,
            name=title,
            modified=dt.datetime.now(dt.UTC).isoformat(),
        )
        self._add("papers", f"/paper/{number}", paper)

    # ------------------------------------------------------------------ HTTP

    def start(self) -> FakeOParl:
        self._thread.start()
        return self

    def serve(self) -> None:
        """Run in the foreground (``python -m ...oparl_fixtures.server PORT``)."""
        self._server.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOParl:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _render(self, obj: Any) -> bytes:
        text = json.dumps(obj, ensure_ascii=False)
        if "v1.0" in self.quirks:
            text = text.replace(V11, V10)
        return text.encode("utf-8")

    def _page(self, kind: str, path: str, query: dict[str, list[str]]) -> Any:
        paths = self.lists[kind]
        since = query.get("modified_since", [None])[0]
        if since and "ignore_since" not in self.quirks:
            moment = dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
            paths = [
                p for p in paths if dt.datetime.fromisoformat(self.objects[p]["modified"]) >= moment
            ]
        items = [self.objects[p] for p in paths]
        if kind == "organizations" and "bare_list" in self.quirks:
            return items
        if kind == "meetings" and "empty_bare" in self.quirks:
            return []
        page = int(query.get("page", ["1"])[0])
        total_pages = max(1, -(-len(items) // self.page_size))
        start = (page - 1) * self.page_size
        doc: dict[str, Any] = {
            "data": items[start : start + self.page_size],
            "pagination": {
                "totalElements": len(items),
                "elementsPerPage": self.page_size,
                "currentPage": page,
                "totalPages": total_pages,
            },
            "links": {"first": self.url(path)},
        }
        if page < total_pages and "pagination_only" not in self.quirks:
            params = {"page": str(page + 1)}
            if since and "drop_since" not in self.quirks:
                params["modified_since"] = since
            doc["links"]["next"] = self.url(path) + "?" + urlencode(params)
            if "relative_next" in self.quirks:
                doc["links"]["next"] = "?" + urlencode(params)
        return doc

    def respond(self, raw_path: str) -> tuple[int, bytes]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        with self._lock:
            self.requests.append(raw_path)
        if self.delay:
            time.sleep(self.delay)
        page = query.get("page", ["1"])[0]
        if path == "/body/0/papers/":
            if "flaky" in self.quirks:
                with self._lock:
                    done = self._failures.get("flaky", 0)
                    self._failures["flaky"] = done + 1
                if done < 2:
                    return 500, b"Internal Server Error"
            if page == "2" and "broken" in self.quirks:
                return 500, b"<html>Internal Server Error</html>"
            if page == "2" and "invalid_json" in self.quirks:
                return 200, self._render(self._page("papers", path, query))[:-20]
            if page == "2" and "slow" in self.quirks:
                time.sleep(2)
        if path.startswith("/files/") and path.endswith(".pdf"):
            if "file_errors" in self.quirks and path == "/files/1001-1.pdf":
                return 404, b"Not found"
            if "file_errors" in self.quirks and path == "/files/1002.pdf":
                return 200, b"<html><body>Anmeldung erforderlich</body></html>"
            return 200, b"%PDF-1.4\n% fake council paper " + path.encode() + b"\n%%EOF\n"
        for kind in ("papers", "meetings", "organizations"):
            if path == f"/body/0/{kind}/":
                return 200, self._render(self._page(kind, path, query))
        if path == "/bodies":
            body = self.objects["/body/0"]
            if "body_object" in self.quirks:
                return 200, self._render(body)
            return 200, self._render(
                {"data": [body], "pagination": {"totalElements": 1}, "links": {}}
            )
        obj = self.objects.get(path)
        if obj is None:
            return 404, self._render({"type": "Error", "message": "Not found"})
        return 200, self._render(obj)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = fake.respond(self.path)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


if __name__ == "__main__":  # a fake council system for trying the import page by hand
    import sys

    fake = FakeOParl(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8765, page_size=2, delay=0.3)
    print(f"fake OParl system at {fake.url('/')}", flush=True)
    fake.serve()
