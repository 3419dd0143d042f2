"""Database queries per request on a demo database, per demo persona and main page.

Run inside a source tree (bench/compare.py runs it in the base tree and in HEAD):
    SCHULSOZIAL_TESTING=1 python bench/query_counts.py [--json]
Logs in as each demo persona with Django's test client (a fresh SQLite database with the
demo loaded) and counts the queries of one request with CaptureQueriesContext. The entry
form POST sends the form's own initial values back (one entry); pages a persona may not open
are counted too (the refusal's queries). Only stable things are used (URL names, load_demo,
the test client), so the script also measures an older tree.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SCHULSOZIAL_TESTING", "1")
FOLDER = tempfile.mkdtemp(prefix="query-counts-")
os.environ["DATABASE_URL"] = f"sqlite:///{FOLDER}/counts.sqlite3"

import django  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # the test client then records each response's template context

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

PAGES = [
    ("dashboard", "dashboard:home"),
    ("weekly grid", "activities:week"),
    ("entry form GET", "activities:activity_create"),
    ("school/municipality report", "statistics:report"),
    ("staff list", "masterdata:staff_list"),
    ("concept list", "concepts:overview"),
]
ROLES = ("fachkraft", "schulleitung", "koordination", "traeger", "gremium", "admin")


def count(client: Client, method: str, url: str, data: dict | None = None) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {}, HTTP_HOST="localhost")
    return response.status_code, len(queries)


def entry_post(client: Client, url: str) -> tuple[int, int] | None:
    """POST one entry: the form's own initial values (the first choice of every select),
    45 minutes and one participant in the first cell of the grid. A valid entry redirects
    (302); a 200 means the form refused it."""
    response = client.get(url, HTTP_HOST="localhost")
    form = response.context["form"] if response.context and "form" in response.context else None
    if form is None:
        return None
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value in (None, "") and getattr(field, "queryset", None) is not None:
            first = field.queryset.first()
            value = first.pk if first else ""
        if value in (None, "") and getattr(field, "choices", None):
            choices = [c for c, _label in field.choices if c not in ("", None)]
            value = choices[0] if choices else ""
        if isinstance(value, list | tuple):
            value = value[:1]
        if name == "minutes" and value in (None, ""):
            value = 45
        data[form.add_prefix(name)] = "" if value is None else value
    first_cell = next((name for name in form.fields if name.startswith("p_")), None)
    if first_cell:
        data[form.add_prefix(first_cell)] = 1
    return count(client, "post", url, data)


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    rows = []
    for role in ROLES:
        user = users.filter(username__endswith=f".{role}").order_by("username").first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)  # django-axes needs a request for login(); the session is the same
        for label, name in PAGES:
            try:
                url = reverse(name)
            except NoReverseMatch:
                rows.append((user.username, label, None, None))
                continue
            status, queries = count(client, "get", url)
            rows.append((user.username, label, status, queries))
            if name == "activities:activity_create" and status == 200:
                posted = entry_post(client, url)
                if posted:
                    rows.append((user.username, "entry form POST", *posted))
    if "--json" in sys.argv:
        print(json.dumps([list(r) for r in rows]))
        return
    print(f"{'persona':<28} {'page':<28} {'status':>6} {'queries':>8}")
    for username, label, status, queries in rows:
        print(f"{username:<28} {label:<28} {status!s:>6} {queries!s:>8}")


if __name__ == "__main__":
    main()
