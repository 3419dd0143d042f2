"""Two-factor login (TOTP through django-otp): setup, the step after the
password, recovery codes, switching off, the municipality's switch and the
middleware that holds required users back until they have a second factor."""

from __future__ import annotations

import base64
import binascii
import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from schulsozial.accounts import twofactor
from schulsozial.accounts.login_models import TwoFactorPolicy
from schulsozial.core.models import AuditEntry
from schulsozial.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The current code of the device, as the app computes it."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def password_login(username: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def set_up(client: Client) -> tuple[TOTPDevice, list[str]]:
    """Go through the setup page as a user does: read the key on the page,
    compute the code, confirm; return the device and the recovery codes shown."""
    page = client.get(reverse("accounts:twofactor_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    qr_found = re.search(r'<div class="twofactor-qr">(.*?)</div>', html, re.S)
    assert qr_found is not None
    qr = qr_found.group(1)
    # Inline SVG without script or style attribute: the CSP allows it.
    assert qr.startswith("<svg") and "<script" not in qr and "style=" not in qr
    secret_found = re.search(r'class="twofactor-secret">([A-Z2-7 ]+)<', html)
    assert secret_found is not None
    secret = secret_found.group(1).replace(" ", "")
    key = binascii.hexlify(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    code = f"{totp(binascii.unhexlify(key)):06d}"
    response = client.post(reverse("accounts:twofactor_setup"), {"token": code})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    device = TOTPDevice.objects.get(confirmed=True, key=key.decode())
    return device, codes


def require_in(world) -> None:
    TwoFactorPolicy.objects.create(municipality=world.town, required=True)


def test_required_coordinator_cannot_reach_the_dashboard_without_two_factor(world):
    require_in(world)
    client = password_login("koordination")
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:twofactor_setup"))
    # Nothing else either, HTML or export:
    for url in (reverse("statistics:report"), reverse("masterdata:school_list") + "?export=csv"):
        assert client.get(url)["Location"].startswith(reverse("accounts:twofactor_setup"))
    # The setup, the language switch and the logout stay reachable.
    assert client.get(reverse("accounts:twofactor_setup")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "de"}).status_code == 302
    _device, codes = set_up(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert AuditEntry.objects.filter(
        actor=world.users["coordinator"], changes__two_factor="set up"
    ).exists()


def test_admin_of_the_municipality_is_required_but_a_worker_is_not(world):
    require_in(world)
    assert twofactor.required_for(world.users["admin"])
    assert twofactor.required_for(world.users["coordinator"])
    for name in ("worker", "carrier", "principal", "committee"):
        assert not twofactor.required_for(world.users[name]), name
    client = password_login("fachkraft")
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_global_admin_is_required_only_when_the_setting_says_so(world, settings):
    from schulsozial.testing.personas import make_user

    chief = make_user("chef", "administration")
    settings.TWO_FACTOR_REQUIRED_FOR_GLOBAL_ADMINS = False
    assert not twofactor.required_for(chief)
    settings.TWO_FACTOR_REQUIRED_FOR_GLOBAL_ADMINS = True
    assert twofactor.required_for(chief)
    client = password_login("chef")
    assert client.get(reverse("dashboard:home"))["Location"].startswith(
        reverse("accounts:twofactor_setup")
    )


def test_an_open_session_is_held_back_once_the_municipality_switches_it_on(world, settings):
    client = password_login("koordination")
    assert client.get(reverse("dashboard:home")).status_code == 200
    require_in(world)
    settings.TWO_FACTOR_RECHECK_SECONDS = 0
    time.sleep(1.1)
    assert client.get(reverse("dashboard:home"))["Location"].startswith(
        reverse("accounts:twofactor_setup")
    )


def test_after_the_password_a_wrong_code_is_refused_and_a_correct_code_passes(world):
    client = password_login("koordination")
    device, _codes = set_up(client)
    client.post(reverse("accounts:logout"))

    client = password_login("koordination")
    response = client.get(reverse("dashboard:home"))
    assert response["Location"].startswith(reverse("accounts:twofactor_verify"))
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:twofactor_verify"), {"token": wrong})
    assert response.status_code == 200
    assert "nicht korrekt" in response.content.decode()
    assert client.get(reverse("dashboard:home")).status_code == 302
    assert AuditEntry.objects.filter(
        action="login_failed", object_id=str(device.user_id), changes__two_factor="app refused"
    ).exists()
    # django-otp throttles after a failure (1 s after the first); the code of
    # the next time step (within the tolerance of one step) is one the setup
    # has not used yet.
    time.sleep(1.1)
    response = client.post(
        reverse("accounts:twofactor_verify"),
        {"token": code_for(device, steps_ahead=1), "next": reverse("statistics:report")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("statistics:report")
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_a_recovery_code_works_once(world):
    client = password_login("administration")
    device, codes = set_up(client)
    client.post(reverse("accounts:logout"))

    client = password_login("administration")
    response = client.post(reverse("accounts:twofactor_verify"), {"token": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert StaticToken.objects.filter(device__user=device.user).count() == 9
    entry = AuditEntry.objects.get(changes__two_factor="recovery code used")
    assert entry.changes["recovery_codes_left"] == 9 and entry.actor_id == device.user_id
    client.post(reverse("accounts:logout"))

    client = password_login("administration")
    response = client.post(reverse("accounts:twofactor_verify"), {"token": codes[0]})
    assert response.status_code == 200  # used once: refused now
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_switching_off_needs_password_and_code(world):
    client = password_login("fachkraft")
    device, codes = set_up(client)
    url = reverse("accounts:twofactor_disable")
    assert client.get(url).status_code == 200
    # Code without the password, password without the code: refused.
    response = client.post(url, {"password": "falsch-falsch", "token": codes[0]})
    assert response.status_code == 200 and TOTPDevice.objects.filter(user=device.user).exists()
    response = client.post(url, {"password": PASSWORD, "token": "000000"})
    assert response.status_code == 200 and TOTPDevice.objects.filter(user=device.user).exists()
    assert "Das Passwort oder der Code ist nicht korrekt." in response.content.decode()
    response = client.post(url, {"password": PASSWORD, "token": codes[1]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=device.user).exists()
    assert not StaticToken.objects.filter(device__user=device.user).exists()
    assert AuditEntry.objects.filter(changes__two_factor="switched off").count() == 1
    assert AuditEntry.objects.filter(changes__two_factor="switch-off refused").count() == 2
    # Logged in again: no second step any more.
    client.post(reverse("accounts:logout"))
    assert password_login("fachkraft").get(reverse("dashboard:home")).status_code == 200


def test_required_user_cannot_switch_it_off(world):
    client = password_login("koordination")
    _device, codes = set_up(client)
    require_in(world)
    response = client.post(
        reverse("accounts:twofactor_disable"), {"password": PASSWORD, "token": codes[0]}
    )
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=world.users["coordinator"]).exists()


def test_the_password_alone_cannot_replace_the_app(world):
    """An unverified session (password only) may not set up a new app over
    the existing one: the setup page sends it away."""
    client = password_login("koordination")
    device, _codes = set_up(client)
    client.post(reverse("accounts:logout"))
    client = password_login("koordination")
    response = client.post(reverse("accounts:twofactor_setup"), {"token": "123456"})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=device.user)) == [device]
    assert client.get(reverse("dashboard:home"))["Location"].startswith(
        reverse("accounts:twofactor_verify")
    )


def test_new_recovery_codes_replace_the_old_ones(world):
    client = password_login("fachkraft")
    device, old = set_up(client)
    response = client.post(
        reverse("accounts:twofactor_recovery"), {"password": PASSWORD, "token": old[0]}
    )
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10
    stored = set(
        StaticToken.objects.filter(device__user=device.user).values_list("token", flat=True)
    )
    assert stored == set(new)


def test_who_may_switch_the_municipality_requirement(world, client_for):
    url = reverse("accounts:twofactor_policy")
    for name in ("carrier", "worker", "principal", "committee"):
        assert (
            client_for(name).post(url, {"municipality": world.town.pk, "required": "1"}).status_code
            == 403
        )
    assert not TwoFactorPolicy.objects.filter(required=True).exists()
    # The coordinator of the town may, but not for the neighbouring town.
    coordinator = client_for("coordinator")
    page = coordinator.get(url).content.decode()
    assert "Teststadt" in page and "Nachbarstadt" not in page
    assert (
        coordinator.post(url, {"municipality": world.other_town.pk, "required": "1"}).status_code
        == 404
    )
    assert (
        coordinator.post(url, {"municipality": world.town.pk, "required": "1"}).status_code == 302
    )
    assert TwoFactorPolicy.objects.get(municipality=world.town).required
    entry = AuditEntry.objects.get(
        object_type="masterdata.municipality", changes__has_key="two_factor_required"
    )
    assert entry.changes["two_factor_required"] == [False, True]
    assert entry.municipality_id == world.town.pk
    # The administrator of the town switches it off again (and must have
    # two-factor login to get there now: the switch applies to itself).
    admin = client_for("admin")
    assert admin.get(url)["Location"].startswith(reverse("accounts:twofactor_setup"))


def test_a_required_user_who_must_change_the_password_sets_up_two_factor_first(world):
    """Both steps: the second factor first, then the forced password change
    (no redirect loop between the two middlewares)."""
    require_in(world)
    coordinator = world.users["coordinator"]
    coordinator.must_change_password = True
    coordinator.save(update_fields=["must_change_password"])
    client = password_login("koordination")
    response = client.get(reverse("dashboard:home"))
    assert response["Location"].startswith(reverse("accounts:twofactor_setup"))
    set_up(client)
    assert client.get(reverse("dashboard:home"))["Location"] == reverse("accounts:password_change")
    assert client.get(reverse("accounts:password_change")).status_code == 200


def test_an_htmx_request_is_sent_to_the_second_factor_by_hx_redirect(world):
    require_in(world)
    client = password_login("koordination")
    response = client.get(reverse("dashboard:home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:twofactor_setup"))


def test_the_administration_resets_a_lost_second_factor(world, client_for):
    client = password_login("fachkraft")
    device, _codes = set_up(client)
    worker = world.users["worker"]
    url = reverse("accounts:twofactor_reset", args=[worker.pk])
    # Only the administration that manages the whole account.
    assert client_for("coordinator").post(url).status_code == 403
    page = client_for("admin").get(reverse("accounts:user_detail", args=[worker.pk]))
    assert "Zwei-Faktor-Anmeldung zurücksetzen" in page.content.decode()
    assert client_for("admin").post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert not StaticToken.objects.filter(device__user=worker).exists()
    entry = AuditEntry.objects.get(changes__two_factor="reset by an administrator")
    assert entry.actor == world.users["admin"] and entry.object_id == str(worker.pk)
    # The worker's next login has no second step (and no redirect loop on
    # the session that still remembered the device).
    client = password_login("fachkraft")
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert device.pk is not None


def test_a_session_that_knew_a_removed_device_does_not_loop(world, client_for):
    client = password_login("fachkraft")
    set_up(client)
    client.post(reverse("accounts:logout"))
    client = password_login("fachkraft")  # the session remembers: verify
    client_for("admin").post(reverse("accounts:twofactor_reset", args=[world.users["worker"].pk]))
    response = client.get(reverse("dashboard:home"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("dashboard:home")


def test_the_request_user_is_behind_one_lazy_proxy_only(world, client_for):
    """django-otp wrapped the lazy user of AuthenticationMiddleware in a
    second lazy object; twofactor.OTPMiddleware unwraps it once."""
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory
    from django.utils.functional import SimpleLazyObject

    client = client_for("worker")
    request = RequestFactory().get("/")
    request.COOKIES = {k: v.value for k, v in client.cookies.items()}
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    twofactor.OTPMiddleware(lambda r: None)(request)
    assert request.user.is_verified() is False
    assert request.user.pk == world.users["worker"].pk
    assert not isinstance(request.user._wrapped, SimpleLazyObject)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_the_verification_step_follows_no_foreign_next(world, target):
    client = password_login("fachkraft")
    device, _codes = set_up(client)
    client.post(reverse("accounts:logout"))
    client = password_login("fachkraft")
    response = client.post(
        reverse("accounts:twofactor_verify"),
        {"token": code_for(device, steps_ahead=1), "next": target},
    )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:home")


def test_a_refused_code_is_audited_with_the_client_address_behind_the_proxy(world, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = password_login("fachkraft")
    device, _codes = set_up(client)
    client.post(reverse("accounts:logout"))
    client = password_login("fachkraft")
    client.post(
        reverse("accounts:twofactor_verify"),
        {"token": f"{(int(code_for(device)) + 1) % 1_000_000:06d}"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    entry = AuditEntry.objects.get(changes__two_factor="app refused")
    assert entry.ip_address == "203.0.113.7"
