"""The import page: start a run (a background task, run at once in the
tests), its progress and its result, in German, for coordination only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from schulsozial.core.models import AuditEntry
from schulsozial.council.models import OParlRun, OParlSource, Paper
from schulsozial.council.tests.oparl_fixtures.server import FakeOParl


@pytest.fixture
def server():
    with FakeOParl() as fake:
        yield fake


def start(client, world, url: str, keywords: str = "Schulsozialarbeit", **extra):
    data = {"municipality": world.town.pk, "url": url, "keywords": keywords, **extra}
    return client.post(reverse("council:oparl_import"), data)


def test_page_shows_the_form_in_german(client_for, world):
    response = client_for("coordinator").get(reverse("council:oparl_import"))
    text = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="kern-heading-large">Import aus dem Ratsinformationssystem</h1>' in text
    assert "Adresse der OParl-Schnittstelle" in text
    assert 'value="Schulsozialarbeit"' in text
    assert 'type="hidden" name="municipality"' in text  # one municipality: no choice


def test_a_run_from_the_page_imports_and_shows_its_result(client_for, world, server, settings):
    settings.OPARL_ALLOW_PRIVATE_HOSTS = True
    coordinator = client_for("coordinator")
    response = start(coordinator, world, server.url("/"), "Schulsozialarbeit, Haushalt")
    run = OParlRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("council:oparl_progress", args=[run.pk])
    assert run.owner == world.users["coordinator"]
    assert run.status == OParlRun.Status.DONE, run.error
    assert run.keywords == ["Haushalt", "Schulsozialarbeit"]
    progress = coordinator.get(response["Location"])
    assert progress["Location"] == reverse("council:oparl_result", args=[run.pk])
    page = coordinator.get(progress["Location"]).content.decode()
    assert "5 Vorlagen neu, 0 geändert" in page
    assert "6 Vorlagen gelesen, Stichwörter: Haushalt, Schulsozialarbeit; 0 schon aktuell." in page
    paper = Paper.objects.get(reference="2024/0417")
    assert reverse("council:paper_detail", args=[paper.pk]) in page
    assert paper.created_by == world.users["coordinator"]
    entry = AuditEntry.objects.get(object_type="council.oparlrun")
    assert entry.actor == world.users["coordinator"]
    assert entry.municipality_id == world.town.pk
    # the form remembers the source; the list shows the run
    again = coordinator.get(reverse("council:oparl_import")).content.decode()
    assert f'value="{server.url("/")}"' in again
    assert 'value="Haushalt, Schulsozialarbeit"' in again
    assert reverse("council:oparl_result", args=[run.pk]) in again
    # the second run reads only what changed and adds nothing
    start(coordinator, world, server.url("/"), "Haushalt, Schulsozialarbeit")
    second = OParlRun.objects.first()
    assert second.pk != run.pk and second.modified_since == run.started_at
    assert (second.created, second.updated) == (0, 0)
    assert Paper.objects.count() == 5


def test_a_failed_run_shows_the_error_and_wrote_nothing(client_for, world, server, settings):
    settings.OPARL_ALLOW_PRIVATE_HOSTS = True
    server.quirks.add("invalid_json")
    coordinator = client_for("coordinator")
    start(coordinator, world, server.url("/"))
    run = OParlRun.objects.get()
    page = coordinator.get(reverse("council:oparl_result", args=[run.pk])).content.decode()
    assert "Nichts wurde importiert" in page
    assert f"{server.url('/body/0/papers/?page=2')}: Die Antwort ist kein gültiges JSON" in page
    assert "Der nächste Import beginnt an derselben Stelle wie dieser." in page
    assert not Paper.objects.exists()


def test_the_platforms_own_network_is_refused_from_the_page(client_for, world, server, settings):
    settings.OPARL_ALLOW_PRIVATE_HOSTS = False
    start(client_for("coordinator"), world, server.url("/"))
    run = OParlRun.objects.get()
    assert run.status == OParlRun.Status.FAILED
    assert run.error == (
        f"{server.url('/')}: Diese Adresse liegt im eigenen Netz der Plattform; von der Seite "
        "aus lässt sich nur aus Ratsinformationssystemen im Internet importieren."
    )
    assert server.requests == []


def test_form_errors_in_german(client_for, world):
    response = start(client_for("coordinator"), world, "file:///etc/passwd", keywords=" , ")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Geben Sie mindestens ein Stichwort ein." in text
    assert "Gib eine gültige URL ein." in text  # Django's own German
    assert not OParlRun.objects.exists()


@pytest.mark.parametrize("persona", ["carrier", "worker", "principal", "committee", "admin"])
def test_only_coordination_starts_runs(client_for, world, persona, server):
    response = start(client_for(persona), world, server.url("/"))
    assert response.status_code == 403
    assert not OParlRun.objects.exists()


def test_runs_of_another_municipality_stay_hidden(client_for, world):
    source = OParlSource.objects.create(municipality=world.other_town, url="https://x.example/")
    run = OParlRun.objects.create(source=source, status=OParlRun.Status.DONE)
    coordinator = client_for("coordinator")
    assert coordinator.get(reverse("council:oparl_result", args=[run.pk])).status_code == 404
    assert coordinator.get(reverse("council:oparl_progress", args=[run.pk])).status_code == 404
    response = coordinator.post(
        reverse("council:oparl_import"),
        {"municipality": world.other_town.pk, "url": "https://x.example/", "keywords": "x"},
    )
    assert response.status_code == 200  # not a choice of the form
    assert OParlRun.objects.filter(source__municipality=world.other_town).count() == 1


def test_progress_of_a_running_import(client_for, world):
    source = OParlSource.objects.create(municipality=world.town, url="https://x.example/")
    run = OParlRun.objects.create(
        source=source, status=OParlRun.Status.RUNNING, stage="meetings", stage_count=42
    )
    page = client_for("coordinator").get(reverse("council:oparl_progress", args=[run.pk]))
    text = page.content.decode()
    assert "Die Sitzungen werden gelesen: 42 gelesen." in text
    assert "Import aus https://x.example/" in text
    assert 'hx-trigger="every 2s"' in text
    run.stage = ""
    run.save()
    page = client_for("coordinator").get(reverse("council:oparl_progress", args=[run.pk]))
    assert "Das Ratsinformationssystem wird nach der Körperschaft" in page.content.decode()
    result = client_for("coordinator").get(reverse("council:oparl_result", args=[run.pk]))
    assert result["Location"] == reverse("council:oparl_progress", args=[run.pk])


def test_the_paper_list_links_the_import_for_coordination(client_for, world):
    link = reverse("council:oparl_import")
    coordination = client_for("coordinator").get(reverse("council:paper_list")).content.decode()
    assert f'href="{link}"' in coordination
    assert "Import aus dem Ratsinformationssystem" in coordination
    committee = client_for("committee").get(reverse("council:paper_list")).content.decode()
    assert link not in committee


def test_a_run_left_by_a_stopped_worker_ends_as_interrupted(client_for, world):
    import datetime as dt

    from django.utils import timezone

    source = OParlSource.objects.create(municipality=world.town, url="https://x.example/")
    run = OParlRun.objects.create(
        source=source,
        status=OParlRun.Status.RUNNING,
        started_at=timezone.now() - dt.timedelta(hours=7),
    )
    fresh = OParlRun.objects.create(
        source=source, status=OParlRun.Status.RUNNING, started_at=timezone.now()
    )
    coordinator = client_for("coordinator")
    response = coordinator.get(reverse("council:oparl_progress", args=[run.pk]))
    assert response["Location"] == reverse("council:oparl_result", args=[run.pk])
    page = coordinator.get(response["Location"]).content.decode()
    assert "Der Import wurde unterbrochen" in page
    fresh.refresh_from_db()
    assert fresh.status == OParlRun.Status.RUNNING


def test_the_import_pages_have_no_english_words(client_for, world, settings):
    """The German-text crawler does not reach a run's pages (the demo has no
    runs): its detector on the form, a progress, a result and an error page."""
    from tests.test_german_text import findings_in, visible_text

    settings.OPARL_ALLOW_PRIVATE_HOSTS = True
    coordinator = client_for("coordinator")
    pages = [coordinator.get(reverse("council:oparl_import"))]
    with FakeOParl(quirks={"dangling", "deleted"}) as fake:
        start(coordinator, world, fake.url("/"))
        fake.quirks.add("broken")
        start(coordinator, world, fake.url("/"), full="on")
    done, failed = OParlRun.objects.order_by("pk")
    assert (done.status, failed.status) == (OParlRun.Status.DONE, OParlRun.Status.FAILED)
    running = OParlRun.objects.create(
        source=done.source, status=OParlRun.Status.RUNNING, stage="saving", stage_count=1
    )
    for run in (done, failed):
        pages.append(coordinator.get(reverse("council:oparl_result", args=[run.pk])))
    pages.append(coordinator.get(reverse("council:oparl_progress", args=[running.pk])))
    texts = [p.content.decode() for p in pages]
    assert "1 Hinweis" in texts[1] and "2 Vorlagen sind im Ratsinformationssystem" in texts[1]
    assert "1 Vorlage wird gespeichert." in texts[3]
    found = [f for text in texts for f in findings_in(visible_text(text))]
    assert found == []


def test_files_can_be_taken_over_from_the_page(client_for, world, settings, tmp_path):
    from schulsozial.council.models import PaperAttachment

    settings.OPARL_ALLOW_PRIVATE_HOSTS = True
    settings.MEDIA_ROOT = str(tmp_path)
    coordinator = client_for("coordinator")
    with FakeOParl() as fake:
        start(coordinator, world, fake.url("/"), "Grundschulen", attach_files="on")
    run = OParlRun.objects.get()
    page = coordinator.get(reverse("council:oparl_result", args=[run.pk])).content.decode()
    assert "2 Dateien als Anlagen übernommen." in page
    assert sorted(PaperAttachment.objects.values_list("name", flat=True)) == [
        "Anlage 1",
        "Vorlage A 17/2024",
    ]


def test_the_result_page_names_the_papers_marked_as_deleted_in_the_council_system(
    client_for, world, server, settings
):
    import datetime as dt

    settings.OPARL_ALLOW_PRIVATE_HOSTS = True
    coordinator = client_for("coordinator")
    start(coordinator, world, server.url("/"))
    server.objects["/paper/1001"] = {
        "id": server.url("/paper/1001"),
        "deleted": True,
        "modified": dt.datetime.now(dt.UTC).isoformat(),
    }
    start(coordinator, world, server.url("/"))
    run = OParlRun.objects.order_by("-pk").first()
    page = coordinator.get(reverse("council:oparl_result", args=[run.pk])).content.decode()
    paper = Paper.objects.get(reference="2024/0417")
    assert paper.deleted_at_source is not None
    assert (
        f'<a class="kern-link" href="{reverse("council:paper_detail", args=[paper.pk])}">' in page
    )
    assert "im Ratsinformationssystem gelöscht, hier erhalten" in page
