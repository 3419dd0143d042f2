"""Entry page, list, correction, weekly grid, catalogues and API keys."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from schulsozial.activities.models import Activity, ApiToken, CatalogueEntry
from schulsozial.activities.tests.factories import entry
from schulsozial.core.models import AuditEntry


def _post_data(world, **extra):
    town = world.town
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = {
        "date": yesterday.isoformat(),
        "school": world.schools[0].pk,
        "minutes": "30",
        "activity_type": entry(town, "activity_type", "group_offer").pk,
        "target_group": entry(town, "target_group", "group").pk,
        "topics": [entry(town, "topic", "bullying").pk, entry(town, "topic", "media").pk],
        f"p_{entry(town, 'gender', 'female').pk}_{entry(town, 'grade_band', 'primary').pk}": "3",
        f"p_{entry(town, 'gender', 'male').pk}_{entry(town, 'grade_band', 'primary').pk}": "4",
        "case_code": "",
        "then": "new",
    }
    data.update(extra)
    return data


def test_entry_page_preselects_today_and_the_last_school(dw, world, client_for):
    response = client_for("worker").get(reverse("activities:activity_create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert f'<option value="{world.schools[0].pk}" selected>' in html
    # The focus starts on the minutes (date and school are preselected), and only there.
    assert html.count("autofocus") == 1
    minutes = (
        html.split('name="minutes"')[0].rsplit("<input", 1)[1]
        + html.split('name="minutes"')[1].split(">")[0]
    )
    assert "autofocus" in minutes and 'id="id_minutes"' in minutes
    # Only the worker's own school is offered.
    assert world.schools[2].name not in html
    # The participant grid has a label for every cell.
    assert html.count('class="kern-sr-only" for="id_p_') == 16


def test_save_and_new_keeps_school_and_date(dw, world, client_for):
    client = client_for("worker")
    response = client.post(reverse("activities:activity_create"), _post_data(world))
    assert response.status_code == 302
    assert "school=" in response["Location"] and "date=" in response["Location"]
    activity = Activity.objects.order_by("-pk").first()
    assert activity.participants == 7 and activity.topics.count() == 2
    follow = client.get(response["Location"])
    assert "Gespeichert" in follow.content.decode() or "Saved" in follow.content.decode()


def test_double_submit_records_once(dw, world, client_for):
    client = client_for("worker")
    data = _post_data(world, client_id="2f1b2a8e-3c1d-4e5f-8a9b-0c1d2e3f4a5b")
    client.post(reverse("activities:activity_create"), data)
    client.post(reverse("activities:activity_create"), data)
    assert Activity.objects.count() == 2  # the fixture's record + one


def test_entry_form_shows_errors_without_saving(dw, world, client_for):
    response = client_for("worker").post(
        reverse("activities:activity_create"), _post_data(world, minutes="0")
    )
    assert response.status_code == 200
    assert Activity.objects.count() == 1


def test_worker_cannot_post_for_another_school(dw, world, client_for):
    response = client_for("worker").post(
        reverse("activities:activity_create"), _post_data(world, school=world.schools[2].pk)
    )
    assert response.status_code == 200
    assert Activity.objects.count() == 1


def test_list_shows_own_records_with_lock_state(
    dw, world, client_for, django_assert_max_num_queries
):
    client = client_for("worker")
    with django_assert_max_num_queries(15):
        html = client.get(reverse("activities:activity_list")).content.decode()
    assert reverse("activities:activity_update", args=[dw.activity.pk]) in html
    Activity.objects.filter(pk=dw.activity.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20)
    )
    html = client.get(reverse("activities:activity_list")).content.decode()
    assert reverse("activities:activity_update", args=[dw.activity.pk]) not in html
    assert (
        client_for("worker2").get(reverse("activities:activity_list")).content.decode().count("<td")
        == 1
    )


def test_locked_record_shows_no_form(dw, world, client_for):
    Activity.objects.filter(pk=dw.activity.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20)
    )
    client = client_for("worker")
    html = client.get(reverse("activities:activity_update", args=[dw.activity.pk])).content.decode()
    assert 'data-lock="locked"' in html and 'data-form="activity"' not in html
    response = client.post(reverse("activities:activity_delete", args=[dw.activity.pk]))
    assert response.status_code == 302 and Activity.objects.filter(pk=dw.activity.pk).exists()


def test_correction_through_the_page(dw, world, client_for):
    client = client_for("worker")
    url = reverse("activities:activity_update", args=[dw.activity.pk])
    html = client.get(url).content.decode()
    assert 'data-lock="open"' in html and 'value="45"' in html
    data = _post_data(world, minutes="60")
    response = client.post(url, data)
    assert response.status_code == 302
    dw.activity.refresh_from_db()
    assert dw.activity.minutes == 60 and dw.activity.case_hash  # empty code keeps the case


def test_weekly_grid_saves_rows_all_or_nothing(dw, world, client_for):
    client = client_for("worker")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    url = reverse("activities:week") + f"?week={monday.isoformat()}"
    assert client.get(url).status_code == 200
    town = world.town

    def rows(*specs):
        data = {
            "row-TOTAL_FORMS": str(len(specs)),
            "row-INITIAL_FORMS": "0",
            "week": monday.isoformat(),
        }
        for i, (school, minutes) in enumerate(specs):
            data.update(
                {
                    f"row-{i}-day": monday.isoformat(),
                    f"row-{i}-school": school.pk,
                    f"row-{i}-minutes": minutes,
                }
            )
            if minutes:  # a row without minutes left empty (one filled without is refused)
                data[f"row-{i}-activity_type"] = entry(town, "activity_type", "open_offer").pk
                data[f"row-{i}-target_group"] = entry(town, "target_group", "group").pk
                data[f"row-{i}-participants"] = "12"
                data[f"row-{i}-grade_band"] = entry(town, "grade_band", "primary").pk
        return data

    ok = client.post(
        url, rows((world.schools[0], "60"), (world.schools[0], "30"), (world.schools[0], ""))
    )
    assert ok.status_code == 302
    assert Activity.objects.filter(source="week").count() == 2
    assert Activity.objects.filter(source="week").first().participants == 12
    bad = client.post(url, rows((world.schools[0], "60"), (world.schools[0], "900")))
    assert bad.status_code == 200 and 'data-week="errors"' in bad.content.decode()
    assert Activity.objects.filter(source="week").count() == 2


def test_coordination_manages_catalogues(dw, world, client_for):
    client = client_for("coordinator")
    html = client.get(reverse("activities:catalogue_list") + "?kind=topic").content.decode()
    assert 'data-entry="bullying"' in html
    response = client.post(
        reverse("activities:catalogue_create"),
        {
            "municipality": world.town.pk,
            "kind": "partner",
            "label": "Schulpsychologischer Dienst Kreis",
        },
    )
    assert response.status_code == 302
    assert (
        CatalogueEntry.objects.filter(
            municipality=world.town, kind="partner", label__startswith="Schulpsych"
        ).count()
        == 2
    )
    bullying = entry(world.town, "topic", "bullying")
    response = client.post(
        reverse("activities:catalogue_update", args=[bullying.pk]),
        {"label": "Mobbing", "retired": "on"},
    )
    assert response.status_code == 302
    bullying.refresh_from_db()
    assert bullying.retired and bullying.label == "Mobbing"
    # A retired entry is no longer offered on the entry form.
    html = client_for("worker").get(reverse("activities:activity_create")).content.decode()
    assert f'value="{bullying.pk}"' not in html
    # Another municipality's entries stay out of reach.
    foreign = entry(world.other_town, "topic", "bullying")
    assert client.get(reverse("activities:catalogue_update", args=[foreign.pk])).status_code == 404


def test_carrier_creates_and_revokes_api_keys(dw, world, client_for):
    client = client_for("carrier")
    response = client.post(
        reverse("activities:token_list"), {"carrier": world.carrier.pk, "name": "Fallsoftware"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "data-key" in html
    token = ApiToken.objects.get(name="Fallsoftware")
    key = html.split("<code data-key>")[1].split("</code>")[0]
    assert key.startswith(token.prefix) and token.key_hash != key and key not in str(token.__dict__)
    # The key is shown once only.
    assert key not in client.get(reverse("activities:token_list")).content.decode()
    # A carrier cannot create keys for another carrier.
    response = client.post(
        reverse("activities:token_list"), {"carrier": world.other_carrier.pk, "name": "x"}
    )
    assert not ApiToken.objects.filter(carrier=world.other_carrier).exists()
    client.post(reverse("activities:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked
    assert AuditEntry.objects.filter(object_type="activities.apitoken", action="update").exists()


_NAV = re.compile(r'<nav class="kern-container site-nav".*?</nav>', re.S)
_NAV_LINK = re.compile(r'<a href="([^"]+)"(?: aria-current="page")?>([^<]+)</a>')


def _nav_links(client) -> dict[str, str]:
    """The main menu on the dashboard: label -> link."""
    (nav,) = _NAV.findall(client.get(reverse("dashboard:home")).content.decode())
    return {label: href for href, label in _NAV_LINK.findall(nav)}


def test_navigation_shows_documentation_to_workers_coordination_and_carriers(dw, client_for):
    """Since the menu per role (6f2c130) each role's entry under
    /dokumentation/ leads to the part it works in: the social worker's
    "Dokumentation der Arbeit" to the entry form, coordination's "Kataloge"
    to the catalogues, the carrier's "API-Zugang" to its API keys; the
    principal and the committee have none."""
    documentation = reverse("activities:home").split("start/")[0]
    expected = {
        "worker": {"Dokumentation der Arbeit": reverse("activities:home")},
        "coordinator": {"Kataloge": reverse("activities:catalogue_list")},
        "carrier": {"API-Zugang": reverse("activities:token_list")},
        "principal": {},
        "committee": {},
    }
    for name, entries in expected.items():
        links = _nav_links(client_for(name))
        under = {label: href for label, href in links.items() if href.startswith(documentation)}
        assert under == entries, name

    worker = client_for("worker")
    response = worker.get(reverse("activities:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:activity_create")
    assert 'name="minutes"' in worker.get(response["Location"]).content.decode()
    assert worker.get(reverse("activities:import")).status_code == 200

    coordinator = client_for("coordinator")
    html = coordinator.get(reverse("activities:catalogue_list")).content.decode()
    assert 'data-form="catalogue-add"' in html
    assert 'aria-current="page">Kataloge</a>' in html
    # Coordination keeps API keys as well (reached by address, marked as
    # "Kataloge"), but neither records nor imports activities.
    assert coordinator.get(reverse("activities:token_list")).status_code == 200
    assert coordinator.get(reverse("activities:activity_create")).status_code == 403
    assert coordinator.get(reverse("activities:import")).status_code == 403

    carrier = client_for("carrier")
    html = carrier.get(reverse("activities:token_list")).content.decode()
    assert dw.token.name in html
    assert 'aria-current="page">API-Zugang</a>' in html
    assert carrier.get(reverse("activities:catalogue_list")).status_code == 403
    assert carrier.get(reverse("activities:activity_create")).status_code == 403
    assert carrier.get(reverse("activities:import")).status_code == 403

    for name in ("principal", "committee"):
        assert client_for(name).get(reverse("activities:home")).status_code == 403, name


def test_the_catalogue_page_writes_nothing_on_get_and_offers_the_defaults(world, client_for):
    client = client_for("coordinator")
    assert not CatalogueEntry.objects.filter(municipality=world.town).exists()
    html = client.get(reverse("activities:catalogue_list")).content.decode()
    assert not CatalogueEntry.objects.filter(municipality=world.town).exists()
    assert 'data-form="catalogue-defaults"' in html
    response = client.post(
        reverse("activities:catalogue_create"), {"municipality": world.town.pk, "defaults": "1"}
    )
    assert response.status_code == 302
    assert CatalogueEntry.objects.filter(municipality=world.town, code="bullying").exists()
    html = client.get(reverse("activities:catalogue_list") + "?kind=topic").content.decode()
    assert 'data-entry="bullying"' in html and 'data-form="catalogue-defaults"' not in html
    # Another municipality's catalogues are not the coordinator's to fill.
    response = client.post(
        reverse("activities:catalogue_create"),
        {"municipality": world.other_town.pk, "defaults": "1"},
    )
    assert response.status_code == 404
    assert not CatalogueEntry.objects.filter(municipality=world.other_town).exists()


def test_coordination_reaches_the_api_keys_from_the_catalogue_page(world, client_for, monkeypatch):
    """Coordination may open API-Zugang but has no menu entry for it: the
    catalogue page links to it when activities.permissions allows (issue 13)."""
    import re

    from schulsozial.activities import permissions

    client = client_for("coordinator")
    html = client.get(reverse("activities:catalogue_list")).content.decode()
    link = re.search(r'<p class="kern-body" data-link="api-access">(.*?)</p>', html, re.S)
    assert link is not None
    text = re.sub(r"<[^>]+>", "", link.group(1))
    assert text == (
        "Die Schlüssel der Träger für die Übermittlung der Dokumentation aus eigener Software "
        "sehen und widerrufen Sie unter API-Zugang."
    )
    assert f'href="{reverse("activities:token_list")}"' in link.group(1)
    assert client.get(reverse("activities:token_list")).status_code == 200
    # The template asks the permission's flag: without it there is no link.
    monkeypatch.setattr(permissions, "can_use_api_tokens", lambda user: False)
    html = client.get(reverse("activities:catalogue_list")).content.decode()
    assert 'data-link="api-access"' not in html and "/api-zugang/" not in html
