"""Security findings of the December 2026 review in the documentation
(../shared/reviews/security-test-2026-12.md): F-05 import previews, F-06
case hashes after retention, F-07 date bounds and robust jobs, F-08 who
creates API tokens and whom the audit names, F-14 server errors, F-18 enum
reprs in API errors."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from schulsozial.activities import services
from schulsozial.activities.models import Activity, ApiToken
from schulsozial.activities.tests.factories import activity_input
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry

URL = "/api/v1/activities/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def api_payload(world, **extra):
    data = {
        "client_id": str(uuid.uuid4()),
        "staff_id": world.staff[0].pk,
        "school_number": world.schools[1].school_number,
        "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "minutes": 50,
        "activity_type": "class_project",
        "target_group": "class",
    }
    data.update(extra)
    return data


def api_post(client, key, data, **kwargs):
    return client.post(
        URL,
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        **kwargs,
    )


# --------------------------------------------------------------------------- F-08


def test_coordination_cannot_create_a_carriers_api_token(dw, world, client_for):
    client = client_for("coordinator")
    before = ApiToken.objects.count()
    response = client.post(
        reverse("activities:token_list"), {"carrier": world.carrier.pk, "name": "Steuerung"}
    )
    assert response.status_code in (200, 403)
    assert ApiToken.objects.count() == before
    assert not ApiToken.objects.filter(name="Steuerung").exists()
    # Coordination still sees the carriers' keys (and may revoke one), but
    # the page offers it no form to create one.
    page = client.get(reverse("activities:token_list")).content.decode()
    assert dw.token.prefix in page
    assert 'data-form="token-create"' not in page


def test_carrier_token_records_its_creator_and_api_audit_names_token_and_creator(
    dw, world, client_for, client
):
    carrier_user = world.users["carrier"]
    response = client_for("carrier").post(
        reverse("activities:token_list"), {"carrier": world.carrier.pk, "name": "Fallsoftware"}
    )
    html = response.content.decode()
    key = html.split("<code data-key>")[1].split("</code>")[0]
    token = ApiToken.objects.get(name="Fallsoftware")
    assert token.created_by == carrier_user
    response = api_post(client, key, api_payload(world))
    assert response.status_code == 201, response.json()
    entry = AuditEntry.objects.get(
        object_type="activities.activity", object_id=str(response.json()["id"])
    )
    assert entry.actor == carrier_user
    assert entry.actor_label != "system"
    assert entry.changes["api_token"] == token.prefix
    assert entry.changes["api_token_name"] == "Fallsoftware"
    assert entry.changes["api_token_created_by"] == carrier_user.username


# --------------------------------------------------------------------------- F-14, F-18


@pytest.mark.parametrize("week", ["0001-01-01", "0001-01-07", "9999-12-31", "9999-12-27"])
def test_week_grid_at_the_ends_of_the_calendar_gives_a_page(dw, client_for, week):
    client = client_for("worker")
    response = client.get(reverse("activities:week"), {"week": week})
    assert response.status_code == 200
    start = response.context["start"]
    # The week shown is the nearest one with days an entry may have.
    assert datetime.date(1999, 12, 27) <= start <= timezone.localdate()
    assert all(
        datetime.date(2000, 1, 1) <= d <= timezone.localdate() for d in response.context["days"]
    )
    assert response.context["days"]
    response = client.post(reverse("activities:week") + f"?week={week}", {"week": week})
    assert response.status_code == 200


def test_deeply_nested_json_gives_400_not_500(dw, client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {dw.key}"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_api_errors_name_catalogues_without_enum_reprs(dw, world, client):
    response = api_post(client, dw.key, api_payload(world, activity_type="no-such-code"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "CatalogueKind" not in text
    assert "activity_type" in text and "no-such-code" in text
    assert not Activity.objects.filter(source="api").exists()


# --------------------------------------------------------------------------- F-07


def _old_record(world, days_ago, *, worker="worker", school=0, **kw):
    activity, _ = services.activity_record(
        data=activity_input(world.town, world.schools[school], **kw), by=world.users[worker]
    )
    Activity.objects.filter(pk=activity.pk).update(
        date=timezone.localdate() - datetime.timedelta(days=days_ago)
    )
    return activity


def _bad_row(model):
    """A record dated 0001-01-15, written past every check (through the ORM)."""
    fields = {
        f.attname: getattr(model, f.attname)
        for f in Activity._meta.concrete_fields
        if not f.primary_key
    }
    fields.update(date=datetime.date(1, 1, 15), client_id=uuid.uuid4())
    return Activity.objects.create(**fields)


def test_entry_form_refuses_a_date_before_the_floor(dw, world, client_for):
    client = client_for("worker")
    page = client.get(reverse("activities:activity_create")).content.decode()
    assert 'min="2000-01-01"' in page and f'max="{timezone.localdate().isoformat()}"' in page
    before = Activity.objects.count()
    data = {
        "date": "0001-01-15",
        "school": world.schools[0].pk,
        "minutes": 45,
        "activity_type": dw.entry("activity_type", "counselling_pupil").pk,
        "target_group": dw.entry("target_group", "individual").pk,
        "client_id": str(uuid.uuid4()),
    }
    response = client.post(reverse("activities:activity_create"), data)
    assert response.status_code == 200
    assert Activity.objects.count() == before
    assert "01.01.2000" in " ".join(response.context["form"].errors["date"])
    data["date"] = "1999-12-31"
    response = client.post(reverse("activities:activity_create"), data)
    assert Activity.objects.count() == before and response.context["form"].errors["date"]


def test_api_refuses_a_date_before_the_floor(dw, world, client):
    for day in ("0001-01-15", "1999-12-31"):
        response = api_post(client, dw.key, api_payload(world, date=day))
        assert response.status_code == 400, response.content
        assert "date" in response.json()
    assert not Activity.objects.filter(source="api").exists()


def test_import_names_row_and_column_of_a_date_before_the_floor(dw, world):
    from schulsozial.activities.importing import import_activities

    day = (timezone.localdate() - datetime.timedelta(days=3)).strftime("%d.%m.%Y")
    data = (
        "Datum;Minuten;Art;Zielgruppe\n"
        f"{day};45;counselling_pupil;individual\n"
        "15.01.0001;45;counselling_pupil;individual\n"
        "1999-12-31;45;counselling_pupil;individual\n"
    ).encode()
    before = Activity.objects.count()
    report = import_activities(data=data, filename="d.csv", by=world.users["worker"], dry_run=False)
    assert not report.ok and report.created == 0
    assert [(e.row, e.column) for e in report.errors] == [(3, "Datum"), (4, "Datum")]
    assert "01.01.2000" in report.errors[0].reason
    assert Activity.objects.count() == before


def test_retention_logs_a_bad_row_and_goes_on(dw, world, caplog):
    from schulsozial.activities.tasks import run_retention

    old = _old_record(world, 4 * 365, minutes=30)
    bad = _bad_row(old)
    with caplog.at_level("WARNING"):
        results = run_retention()
    assert not Activity.objects.filter(pk=old.pk).exists()  # retention went on
    assert Activity.objects.filter(pk=bad.pk).exists()  # the bad row is left for a person
    assert Activity.objects.filter(pk=dw.activity.pk).exists()
    town = next(r for r in results if r["municipality"] == world.town.name)
    assert town["deleted"] == 1 and town["skipped"] == 1 and not town.get("error")
    assert str(bad.pk) in caplog.text


def test_retention_goes_on_after_a_failing_municipality(dw, world, monkeypatch, caplog):
    from schulsozial.activities import tasks

    real = tasks.retention_apply
    seen = []

    def failing(*, municipality, **kwargs):
        seen.append(municipality.pk)
        if municipality.pk == world.town.pk:
            raise ValueError("year 0 is out of range")
        return real(municipality=municipality, **kwargs)

    monkeypatch.setattr(tasks, "retention_apply", failing)
    with caplog.at_level("ERROR"):
        results = tasks.run_retention()
    assert world.other_town.pk in seen and world.town.pk in seen
    failed = next(r for r in results if r["municipality"] == world.town.name)
    assert "year 0 is out of range" in failed["error"]
    assert world.town.name in caplog.text


# --------------------------------------------------------------------------- F-06


def _case_figures(world, year):
    from schulsozial.statistics.sources import RollupSource, Where

    source = RollupSource()
    towns = frozenset({world.town.pk})
    return {
        "wide": sorted(source.cases(Where(school_year=year, municipality_ids=towns))),
        "worker": sorted(
            source.cases(
                Where(school_year=year, municipality_ids=towns, worker_id=world.staff[0].pk)
            )
        ),
        "carrier": sorted(
            source.cases(
                Where(
                    school_year=year,
                    municipality_ids=towns,
                    carrier_ids=frozenset({world.carrier.pk}),
                )
            )
        ),
        "schools": sorted(source.schools(Where(school_year=year, municipality_ids=towns))),
    }


def _reports(world, year):
    """Every statistics page the coordination, the carrier and the worker see
    for `year`: each section's rows and total, as shown."""
    from schulsozial.statistics.selectors import Filters, scopes_for, statistics_report

    shown = {}
    for name in ("coordinator", "carrier", "worker"):
        for scope in scopes_for(user=world.users[name]):
            report = statistics_report(scope=scope, filters=Filters(school_year=year))
            shown[(name, scope.key)] = [
                (
                    section.key,
                    [(row.label, list(row.values)) for row in section.rows],
                    list(section.total.values) if section.total else None,
                )
                for section in report.sections
            ]
    return shown


def test_retention_removes_case_hashes_and_keeps_the_case_counts(dw, world):
    from schulsozial.core.school_year import start_year_of
    from schulsozial.statistics import rollups
    from schulsozial.statistics.models import ROLLUP_MODELS, CaseRollup, SchoolCaseRollup

    days = 4 * 365
    for i in range(5):
        _old_record(world, days, case_code=f"F{i % 3}")
    _old_record(world, days, worker="worker2", school=2, case_code="F0")
    # _old_record backdates past the service, so the rollups still hold today's
    # cells: rebuild them as an operator would after such a write.
    rollups.rebuild_rollups(municipality=world.town)
    year = start_year_of(timezone.localdate() - datetime.timedelta(days=days))
    before = _case_figures(world, year)
    pages = _reports(world, year)
    cases_shown = [
        rows for key, sections in pages.items() for k, rows, _t in sections if k == "cases"
    ]
    assert any(rows for rows in cases_shown)  # the pages show distinct cases
    assert before["wide"] and before["worker"] == [(world.schools[0].pk, 3)]
    assert CaseRollup.objects.filter(school_year=year).exclude(case_hash="").exists()

    services.retention_apply(municipality=world.town, by=SYSTEM)

    hexes = set()
    for model in ROLLUP_MODELS:
        if any(f.name == "case_hash" for f in model._meta.fields):
            hexes |= set(
                model.objects.filter(school_year__lte=year)
                .exclude(case_hash="")
                .values_list("case_hash", flat=True)
            )
    assert hexes == set()
    assert not SchoolCaseRollup.objects.filter(school_year__lte=year).exists()
    assert _case_figures(world, year) == before
    assert _reports(world, year) == pages
    # The running year keeps its hashes (its records are still there).
    assert CaseRollup.objects.exclude(case_hash="").filter(school_year__gt=year).exists()


# --------------------------------------------------------------------------- F-05


PUPIL = "Max Mustermann, 7b, Verdacht häusliche Gewalt"
RAW_CODE = "MM-2014-03"


def _documentation_csv():
    day = (timezone.localdate() - datetime.timedelta(days=3)).strftime("%d.%m.%Y")
    return (
        "Datum;Minuten;Art;Zielgruppe;Fallcode;Bemerkung;Name\n"
        f'{day};45;counselling_pupil;individual;{RAW_CODE};"{PUPIL}";Erika Musterfrau\n'
        f"{day};30;Beratung Eltern (alt);individual;;;\n"
    ).encode()


def _upload(client, url, data, name="doku.csv", **fields):
    import io

    upload = io.BytesIO(data)
    upload.name = name
    return client.post(url, {"file": upload, **fields})


def _stored_bytes(root):
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def _database_text():
    """Every row of the database as text, sessions decoded."""
    import io

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command

    out = io.StringIO()
    call_command("dumpdata", stdout=out, exclude=["contenttypes", "auth.permission"])
    text = out.getvalue()
    store = SessionStore()
    for session in Session.objects.all():
        text += str(store.decode(session.session_data))
    return text


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_activity_preview_keeps_only_mapped_columns_with_hashed_codes(dw, world, client_for, media):
    from schulsozial.activities.casecode import case_hash

    client = client_for("worker")
    url = reverse("activities:import")
    response = _upload(client, url, _documentation_csv())
    assert response.status_code == 200
    token = response.context["token"]
    assert response.context["report"].unknown  # "Beratung Eltern (alt)" is to be mapped
    stored = _stored_bytes(media)
    assert stored  # the preview is kept for the mapping and the confirmation
    for secret in (PUPIL, "Mustermann", "Musterfrau", "Bemerkung", RAW_CODE, RAW_CODE.lower()):
        assert secret.encode() not in stored, secret
    hashed = case_hash(school_id=world.schools[0].pk, code=RAW_CODE)
    assert hashed.encode() in stored
    text = _database_text()
    for secret in ("Mustermann", "Musterfrau", RAW_CODE):
        assert secret not in text, secret
    # Map the unknown name, then confirm: the records carry the hash.
    row = response.context["mapping"].forms[0]
    kind, name = row["kind"].value(), row["source"].value()
    target = next(e for e in row.fields["entry"].queryset if e.code == "counselling_parents")
    response = client.post(
        url,
        {
            "token": token,
            "mapping": "1",
            "map-TOTAL_FORMS": "1",
            "map-INITIAL_FORMS": "1",
            "map-0-kind": kind,
            "map-0-source": name,
            "map-0-entry": target.pk,
        },
    )
    assert response.context["report"].ok
    response = client.post(url, {"token": token, "confirm": "1"})
    assert response.status_code == 302
    imported = Activity.objects.filter(source="import").order_by("pk")
    assert [a.case_hash for a in imported] == [hashed, ""]
    assert _stored_bytes(media) == b""  # confirmed: the preview is gone
    assert "Mustermann" not in _database_text()


def test_expired_preview_is_deleted_by_the_job_and_confirming_says_so(
    dw, world, client_for, media, settings
):
    import io
    import os
    import time

    from django.core.management import call_command

    settings.PENDING_IMPORT_MAX_AGE_MINUTES = 60
    client = client_for("worker")
    url = reverse("activities:import")
    good = _documentation_csv().replace(b"Beratung Eltern (alt)", b"counselling_pupil")
    token = _upload(client, url, good).context["token"]
    files = [p for p in media.rglob("*") if p.is_file()]
    assert len(files) == 1
    out = io.StringIO()
    call_command("purge_pending_imports", stdout=out)  # young: kept
    assert files[0].exists()
    assert out.getvalue() == "0 Importvorschauen älter als 60 Minuten gelöscht.\n"  # issue 13
    old = time.time() - 61 * 60
    os.utime(files[0], (old, old))
    out = io.StringIO()
    call_command("purge_pending_imports", stdout=out)
    assert out.getvalue() == "1 Importvorschau älter als 60 Minuten gelöscht.\n"
    assert not files[0].exists()
    response = client.post(url, {"token": token, "confirm": "1"}, follow=True)
    assert "Die Vorschau ist abgelaufen. Bitte laden Sie die Datei erneut hoch." in (
        response.content.decode()
    )
    assert not Activity.objects.filter(source="import").exists()
    # Expired but not yet purged: refused and deleted on the spot.
    token = _upload(client, url, good).context["token"]
    (path,) = [p for p in media.rglob("*") if p.is_file()]
    os.utime(path, (old, old))
    response = client.post(url, {"token": token, "confirm": "1"}, follow=True)
    assert "Die Vorschau ist abgelaufen" in response.content.decode()
    assert not path.exists() and not Activity.objects.filter(source="import").exists()


def test_the_cleanup_task_and_a_new_upload_delete_earlier_previews(dw, world, client_for, media):
    import os
    import time

    from schulsozial.activities.tasks import purge_pending_imports_task

    client = client_for("worker")
    url = reverse("activities:import")
    _upload(client, url, _documentation_csv())
    first = {p for p in media.rglob("*") if p.is_file()}
    _upload(client, url, _documentation_csv())
    second = {p for p in media.rglob("*") if p.is_file()}
    assert len(first) == len(second) == 1 and first != second  # the user's earlier one is gone
    (path,) = second
    old = time.time() - 2 * 3600
    os.utime(path, (old, old))
    assert purge_pending_imports_task.call() == 1
    assert not path.exists()


def test_school_import_preview_keeps_only_mapped_columns(world, client_for, media):
    from schulsozial.masterdata.models import School

    client = client_for("coordinator")
    url = "/stammdaten/schools/import/"
    header = "schulnummer,schulform,bezeichnung_1,ags,gemeinde,ansprechpartnerin,schueler_2024_25"
    data = f"{header}\n199777,Grundschule,Neue Schule,05999001,Teststadt,Erika Musterfrau,210\n"
    response = _upload(client, url, data.encode(), name="schulen.csv", municipality=world.town.pk)
    token = response.context["token"]
    stored = _stored_bytes(media)
    assert b"Neue Schule" in stored and b"Musterfrau" not in stored
    assert b"ansprechpartnerin" not in stored
    response = client.post(url, {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert School.objects.get(school_number="199777").name == "Neue Schule"
    assert _stored_bytes(media) == b""


def test_school_import_confirming_an_expired_preview_says_so(world, client_for, media):
    client = client_for("coordinator")
    url = "/stammdaten/schools/import/"
    data = "schulnummer,schulform,bezeichnung_1,ags,gemeinde\n199777,Grundschule,Neue Schule,05999001,Teststadt\n"
    token = _upload(
        client, url, data.encode(), name="schulen.csv", municipality=world.town.pk
    ).context["token"]
    for path in media.rglob("*"):
        if path.is_file():
            path.unlink()
    response = client.post(url, {"confirm": "1", "token": token}, follow=True)
    assert response.status_code == 200
    assert "Die Vorschau ist abgelaufen" in response.content.decode()
