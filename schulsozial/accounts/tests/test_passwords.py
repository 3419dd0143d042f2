"""Passwords and accounts (security review F-16): change, reset by e-mail,
forced change after an administrator chose the password, deactivation, and
the rule against `Herne2026!!`."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from schulsozial.accounts.models import Role, User
from schulsozial.accounts.services import role_assign
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata import services as md
from schulsozial.masterdata.models import Municipality
from schulsozial.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW = "Gruene-Tafel-im-Flur-9"  # a phrase: passes every validator


def _login(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, f"login of {username} failed"
    return client


def _logged_in(client: Client) -> bool:
    return client.get("/").status_code == 200


# --------------------------------------------------------------------------- change


def test_user_changes_the_own_password_and_other_sessions_end(world):
    worker = world.users["worker"]
    here, elsewhere = _login(worker.username), _login(worker.username)
    page = here.get("/accounts/password_change/")
    assert page.status_code == 200
    assert "Passwort ändern" in page.content.decode()
    response = here.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    assert "Ihr Passwort wurde geändert" in here.get(response["Location"]).content.decode()
    assert _logged_in(here)  # this session stays
    assert not _logged_in(elsewhere)  # every other one ended
    assert User.objects.get(pk=worker.pk).check_password(NEW)
    assert AuditEntry.objects.filter(
        action="update", object_id=str(worker.pk), changes__password="changed by the user"
    ).exists()


def test_a_weak_new_password_is_refused_with_a_german_reason(world):
    client = _login(world.users["worker"].username)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Teststadt2026!!",
            "new_password2": "Teststadt2026!!",
        },
    )
    assert response.status_code == 200
    assert "Ortsname" in response.content.decode()
    assert User.objects.get(pk=world.users["worker"].pk).check_password(PASSWORD)


# --------------------------------------------------------------------------- reset by e-mail


def test_password_reset_by_email(world):
    worker = world.users["worker"]
    User.objects.filter(pk=worker.pk).update(email="fachkraft@example.org")
    client = Client()
    assert "Passwort vergessen" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/password_reset/", {"email": "fachkraft@example.org"})
    assert response.status_code == 302
    assert "Prüfen Sie Ihr E-Mail-Postfach" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fachkraft@example.org"]
    assert message.subject == "schulsozial: Passwort zurücksetzen"
    assert "Hallo fachkraft" in message.body and "Ihr Benutzername: fachkraft" in message.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)  # Django moves the token into the session
    assert form.status_code == 200 and "Neues Passwort wählen" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert User.objects.get(pk=worker.pk).check_password(NEW)
    # the link works once
    again = client.get(link, follow=True)
    assert "ungültig" in again.content.decode()
    _login(worker.username, NEW)


def test_password_reset_sends_nothing_for_an_unknown_or_deactivated_address(world):
    worker = world.users["worker"]
    User.objects.filter(pk=worker.pk).update(email="fachkraft@example.org", is_active=False)
    client = Client()
    for address in ("niemand@example.org", "fachkraft@example.org"):
        response = client.post("/accounts/password_reset/", {"email": address})
        assert response.status_code == 302  # the same answer: nothing is revealed
    assert mail.outbox == []


# --------------------------------------------------------------------------- forced change


def test_a_user_created_by_an_administrator_must_change_the_password_first(world, client_for):
    admin = client_for("admin")
    admin.post(
        "/accounts/users/new/",
        {
            "username": "neu.gremium",
            "password": "Erstes-Passwort-vom-Amt",
            "role": "committee",
            "municipality": world.town.pk,
        },
    )
    client = _login("neu.gremium", "Erstes-Passwort-vom-Amt")
    for path in ("/", "/accounts/me/", "/statistik/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/password_change/"
    page = client.get("/accounts/password_change/").content.decode()
    assert "Ihre Administration hat das bisherige Passwort vergeben" in page
    client.post(
        "/accounts/password_change/",
        {"old_password": "Erstes-Passwort-vom-Amt", "new_password1": NEW, "new_password2": NEW},
    )
    assert not User.objects.get(username="neu.gremium").must_change_password
    assert client.get("/").status_code == 200


def test_administrator_sets_a_password_and_the_user_must_change_it(world, client_for):
    worker = world.users["worker"]
    old_session = _login(worker.username)
    admin = client_for("admin")
    response = admin.post(
        f"/accounts/users/{worker.pk}/password/",
        {"new_password1": "Vom-Amt-gesetzt-42", "new_password2": "Vom-Amt-gesetzt-42"},
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.must_change_password and worker.check_password("Vom-Amt-gesetzt-42")
    assert not _logged_in(old_session)
    client = _login(worker.username, "Vom-Amt-gesetzt-42")
    assert client.get("/")["Location"] == "/accounts/password_change/"
    entry = AuditEntry.objects.get(changes__password="set by administrator")
    assert entry.actor == world.users["admin"] and entry.municipality_id == world.town.pk


def test_personas_and_demo_style_users_are_not_forced_to_change(world):
    # create_user (the demo builder and the personas) leaves the flag off
    assert not User.objects.filter(must_change_password=True).exists()
    assert _logged_in(_login(world.users["coordinator"].username))


def test_demo_users_keep_their_password_and_are_not_forced(db):
    from django.conf import settings

    from schulsozial.demo.builder import DemoBuilder

    DemoBuilder().build()
    client = _login("herne.admin", settings.SCHULSOZIAL["DEMO_PASSWORD"])
    assert settings.SCHULSOZIAL["DEMO_PASSWORD"] == "demo-passwort-2026"
    assert client.get("/").status_code == 200


# --------------------------------------------------------------------------- deactivation


def test_administrator_deactivates_and_reactivates_a_user(world, client_for):
    worker = world.users["worker"]
    session = _login(worker.username)
    admin = client_for("admin")
    page = admin.get(f"/accounts/users/{worker.pk}/").content.decode()
    assert "Deaktivieren" in page
    response = admin.post(f"/accounts/users/{worker.pk}/deactivate/")
    assert response.status_code == 302
    assert not User.objects.get(pk=worker.pk).is_active
    assert not _logged_in(session)  # the open session ended
    refused = Client().post("/accounts/login/", {"username": worker.username, "password": PASSWORD})
    assert refused.status_code == 200  # the form again: no login
    assert "deaktiviert" in admin.get(f"/accounts/users/{worker.pk}/").content.decode()
    entry = AuditEntry.objects.get(object_id=str(worker.pk), changes__is_active=[True, False])
    assert entry.actor == world.users["admin"] and entry.municipality_id == world.town.pk

    admin.post(f"/accounts/users/{worker.pk}/activate/")
    assert User.objects.get(pk=worker.pk).is_active
    _login(worker.username)


def test_account_actions_need_every_role_of_the_account_in_scope(world, client_for):
    person = make_user("zwei.orte", Role.COMMITTEE, municipality=world.town)
    role_assign(user=person, role=Role.COORDINATION, municipality=world.other_town, by=SYSTEM)
    admin = client_for("admin")
    assert admin.get(f"/accounts/users/{person.pk}/").status_code == 200
    assert admin.post(f"/accounts/users/{person.pk}/deactivate/").status_code == 403
    assert admin.get(f"/accounts/users/{person.pk}/password/").status_code == 403
    assert User.objects.get(pk=person.pk).is_active
    # nor the own account
    own = world.users["admin"].pk
    assert admin.post(f"/accounts/users/{own}/deactivate/").status_code == 403


# --------------------------------------------------------------------------- the password rule


@pytest.mark.parametrize(
    "password",
    [
        "Herne2026!!",
        "herne-2026",
        "Teststadt2026!",
        "Sommer2026!",
        "P@ssw0rt2026",
        "Schulsozialarbeit1!",
        "!!Borussia09",
        "fachkraft2026!!",
        "Muenchen1990",
        "München1990!",
    ],
)
def test_common_patterns_are_refused(world, password):
    Municipality.objects.filter(pk=world.other_town.pk).update(name="Herne")
    user = User(username="fachkraft", display_name="Fachkraft")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert "password_common_pattern" in {e.code for e in refused.value.error_list}


@pytest.mark.parametrize(
    "password", ["demo-passwort-2026", "Gruene-Tafel-im-Flur-9", "Herne liegt an der Emscher 7"]
)
def test_phrases_pass(world, password):
    md.municipality_create(by=SYSTEM, ags="05916000", name="Herne", kind=Municipality.Kind.CITY)
    validate_password(password, User(username="fachkraft"))


def test_administrator_edits_name_and_address_of_an_account_in_scope(world, client_for):
    worker = world.users["worker"]
    admin = client_for("admin")
    response = admin.post(
        f"/accounts/users/{worker.pk}/edit/",
        {"display_name": "Fachkraft Schule 0", "email": "fk0@example.org"},
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert (worker.display_name, worker.email) == ("Fachkraft Schule 0", "fk0@example.org")
    entry = AuditEntry.objects.get(object_id=str(worker.pk), changes__has_key="email")
    assert entry.changes["email"] == ["", "fk0@example.org"]
    # an account with a role elsewhere: its reset address is not this administrator's
    person = make_user("zwei.orte", Role.COMMITTEE, municipality=world.town)
    role_assign(user=person, role=Role.COORDINATION, municipality=world.other_town, by=SYSTEM)
    refused = admin.post(
        f"/accounts/users/{person.pk}/edit/", {"display_name": "x", "email": "evil@example.org"}
    )
    assert refused.status_code == 403
    assert User.objects.get(pk=person.pk).email == ""


def test_a_forced_change_answers_htmx_requests_with_a_redirect_header(world):
    User.objects.filter(pk=world.users["worker"].pk).update(must_change_password=True)
    client = _login(world.users["worker"].username)
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/password_change/"
