"""Single sign-on end to end against a small OpenID provider that the test
starts on 127.0.0.1: discovery, JWKS, authorize (redirects back with code and
state), token (checks the PKCE verifier against the challenge, returns an
RS256-signed id token), userinfo and end_session.

The browser is Django's test client on the application's side and `requests`
on the provider's side (the provider has no login page: its authorize
endpoint answers for the user the test put there)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse

from schulsozial.accounts.login_models import (
    OIDCGroupMapping,
    OIDCIdentity,
    OIDCMappedRole,
    TwoFactorPolicy,
)
from schulsozial.accounts.models import Role, RoleAssignment, User
from schulsozial.accounts.services import role_assign
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

CLIENT_ID = "schulsozial-test"
CLIENT_SECRET = "geheim-" + "x" * 20


class FakeProvider:
    """The provider's state: its signing key, the user it answers for, and
    every request it saw."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self.user: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.issued_id_tokens: list[str] = []
        self.token_requests: list[dict[str, str]] = []
        self.end_sessions: list[dict[str, str]] = []
        self.audience = CLIENT_ID
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.base,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "userinfo_endpoint": f"{self.base}/userinfo",
            "jwks_uri": f"{self.base}/jwks",
            "end_session_endpoint": f"{self.base}/end_session",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base,
            "sub": self.user["sub"],
            "aud": self.audience,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
        }
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        self.issued_id_tokens.append(token)
        return token

    def handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def answer(self, status: int, body: Any = None, headers: dict | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self.answer(200, provider.discovery())
                elif url.path == "/jwks":
                    self.answer(200, provider.jwks())
                elif url.path == "/authorize":
                    self.authorize(query)
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    grant = provider.tokens.get(token)
                    if grant is None:
                        self.answer(401, {"error": "invalid_token"})
                    else:
                        self.answer(200, grant["claims"])
                elif url.path == "/end_session":
                    provider.end_sessions.append(query)
                    self.answer(200, {"logged_out": True})
                else:
                    self.answer(404, {"error": "not_found"})

            def authorize(self, query: dict[str, str]) -> None:
                if (
                    query.get("client_id") != CLIENT_ID
                    or query.get("response_type") != "code"
                    or query.get("code_challenge_method") != "S256"
                    or not query.get("code_challenge")
                    or "openid" not in query.get("scope", "").split()
                ):
                    self.answer(400, {"error": "invalid_request", "query": query})
                    return
                code = secrets.token_urlsafe(16)
                provider.codes[code] = {
                    "challenge": query["code_challenge"],
                    "redirect_uri": query["redirect_uri"],
                    "nonce": query.get("nonce", ""),
                    "claims": dict(provider.user),
                }
                back = (
                    f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                )
                self.answer(302, headers={"Location": back})

            def do_POST(self) -> None:
                if urlsplit(self.path).path != "/token":
                    self.answer(404, {"error": "not_found"})
                    return
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.token_requests.append(form)
                grant = provider.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if (
                    grant is None
                    or form.get("grant_type") != "authorization_code"
                    or form.get("client_id") != CLIENT_ID
                    or form.get("client_secret") != CLIENT_SECRET
                    or form.get("redirect_uri") != grant["redirect_uri"]
                    or challenge != grant["challenge"]
                ):
                    self.answer(400, {"error": "invalid_grant"})
                    return
                access = secrets.token_urlsafe(24)
                provider.tokens[access] = grant
                self.answer(
                    200,
                    {
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": provider.id_token(grant["nonce"]),
                    },
                )

        return Handler


@pytest.fixture
def provider(settings):
    fake = FakeProvider()
    fake.thread.start()
    found = requests.get(f"{fake.base}/.well-known/openid-configuration", timeout=5).json()
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = found["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = found["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = found["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
    settings.OIDC_OP_END_SESSION_ENDPOINT = found["end_session_endpoint"]
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


class SSOClient(Client):
    """A test client that keeps the answer of the single sign-on callback."""

    callback_response: TestResponse


def sso_login(provider: FakeProvider, client: SSOClient | None = None, **user: Any) -> SSOClient:
    """Start at the login page, follow its single sign-on link to the
    provider, and come back to the callback."""
    provider.user = {"email": "m.muster@example.org", "name": "Mia Muster", **user}
    client = client or SSOClient()
    page = client.get(reverse("accounts:login") + "?next=/statistik/")
    html = page.content.decode()
    start = reverse("accounts:oidc_login")
    assert f'href="{start}?next=/statistik/"' in html
    assert "Mit Single Sign-On anmelden" in html
    response = client.get(f"{start}?next=/statistik/")
    assert response.status_code == 302
    authorize = response["Location"]
    assert authorize.startswith(f"{provider.base}/authorize?")
    params = parse_qs(urlsplit(authorize).query)
    assert params["code_challenge_method"] == ["S256"] and params["code_challenge"][0]
    at_provider = requests.get(authorize, allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == reverse("accounts:oidc_callback")
    client.callback_response = client.get(f"{back.path}?{back.query}")
    return client


def mapped_roles(user: User) -> set[tuple]:
    return {
        (m.assignment.role, m.assignment.municipality_id, m.assignment.school_id)
        for m in OIDCMappedRole.objects.filter(assignment__user=user).select_related("assignment")
    }


def roles_of(user: User) -> set[tuple]:
    return {
        (a.role, a.municipality_id, a.school_id) for a in RoleAssignment.objects.filter(user=user)
    }


@pytest.fixture
def mappings(world):
    school = world.schools[0]
    OIDCGroupMapping.objects.create(
        municipality=world.town, group="ss-koordination", role=Role.COORDINATION
    )
    OIDCGroupMapping.objects.create(
        municipality=world.town, group="ss-schule-0", role=Role.PRINCIPAL, school=school
    )
    return world


def test_login_through_the_provider_creates_the_user_by_sub_with_the_mapped_roles(
    provider, mappings
):
    world = mappings
    client = sso_login(
        provider,
        sub="a1b2-c3",
        preferred_username="m.muster",
        groups=["ss-koordination", "ss-schule-0", "unbekannte-gruppe"],
    )
    response = client.callback_response
    assert response.status_code == 302 and response["Location"] == "/statistik/"
    # PKCE: the token request carried the verifier of the challenge.
    assert provider.token_requests[-1]["code_verifier"]
    user = User.objects.get(oidc_identity__subject="a1b2-c3")
    assert user.username == "m.muster" and not user.has_usable_password()
    assert OIDCIdentity.objects.get(user=user).issuer == provider.base
    assert int(client.session["_auth_user_id"]) == user.pk
    # Mapped groups give their roles, the unmapped group none, all marked.
    expected = {
        (Role.COORDINATION, world.town.pk, None),
        (Role.PRINCIPAL, world.town.pk, world.schools[0].pk),
    }
    assert roles_of(user) == expected and mapped_roles(user) == expected
    assert client.get("/statistik/").status_code == 200  # the coordinator's report


def test_a_changed_email_keeps_the_account_and_a_local_namesake_is_not_taken_over(
    provider, mappings
):
    local = User.objects.get(username="koordination")
    local.email = "m.muster@example.org"
    local.save()
    sso_login(provider, sub="sub-1", preferred_username="koordination", groups=["ss-koordination"])
    created = User.objects.get(oidc_identity__subject="sub-1")
    assert created != local and created.username.startswith("sso-")
    sso_login(provider, sub="sub-1", email="neu@example.org", groups=["ss-koordination"])
    created.refresh_from_db()
    assert User.objects.filter(oidc_identity__subject="sub-1").count() == 1
    assert created.email == "neu@example.org"
    assert roles_of(created) == {(Role.COORDINATION, mappings.town.pk, None)}
    assert roles_of(local) == {(Role.COORDINATION, mappings.town.pk, None)}  # untouched


def test_roles_of_a_group_that_is_gone_are_removed_at_the_next_login(provider, mappings):
    world = mappings
    sso_login(provider, sub="s-9", groups=["ss-koordination", "ss-schule-0"])
    user = User.objects.get(oidc_identity__subject="s-9")
    # A role given by hand stays, even when it equals a mapped one later.
    role_assign(user=user, role=Role.COMMITTEE, by=SYSTEM, municipality=world.town)
    sso_login(provider, sub="s-9", groups=["ss-koordination"])
    assert roles_of(user) == {
        (Role.COORDINATION, world.town.pk, None),
        (Role.COMMITTEE, world.town.pk, None),
    }
    assert mapped_roles(user) == {(Role.COORDINATION, world.town.pk, None)}
    sso_login(provider, sub="s-9", groups=[])
    assert roles_of(user) == {(Role.COMMITTEE, world.town.pk, None)}
    assert (
        AuditEntry.objects.filter(
            action="delete", object_type="accounts.roleassignment", changes__user=user.username
        ).count()
        == 2
    )


def test_removing_a_mapping_removes_the_roles_it_gave(provider, mappings, client_for):
    world = mappings
    sso_login(provider, sub="s-5", groups=["ss-schule-0"])
    user = User.objects.get(oidc_identity__subject="s-5")
    mapping = OIDCGroupMapping.objects.get(group="ss-schule-0")
    assert roles_of(user) == {(Role.PRINCIPAL, world.town.pk, world.schools[0].pk)}
    # Not the coordinator's to remove; the municipality's administration may.
    url = reverse("accounts:oidc_mapping_remove", args=[mapping.pk])
    assert client_for("coordinator").post(url).status_code == 403
    assert client_for("admin").post(url).status_code == 302
    assert roles_of(user) == set()


def test_logout_ends_at_the_provider_with_the_id_token_as_hint(provider, mappings):
    client = sso_login(provider, sub="s-7", groups=["ss-koordination"])
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    end = urlsplit(response["Location"])
    assert f"{end.scheme}://{end.netloc}{end.path}" == f"{provider.base}/end_session"
    params = {k: v[0] for k, v in parse_qs(end.query).items()}
    assert params["id_token_hint"] == provider.issued_id_tokens[-1]
    assert params["post_logout_redirect_uri"] == "http://testserver" + reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert requests.get(response["Location"], timeout=5).status_code == 200
    assert provider.end_sessions[-1]["id_token_hint"] == provider.issued_id_tokens[-1]


def test_a_local_login_logs_out_locally(provider, world):
    client = Client()
    client.force_login(world.users["worker"])
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")


def test_a_wrong_pkce_verifier_is_refused_by_the_provider_and_nobody_is_logged_in(
    provider, mappings
):
    provider.user = {"sub": "s-3", "groups": ["ss-koordination"]}
    client = Client()
    response = client.get(reverse("accounts:oidc_login"))
    authorize = response["Location"]
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    session = client.session
    session["oidc_states"][state]["code_verifier"] = "y" * 64  # not the challenge's
    session.save()
    back = urlsplit(requests.get(authorize, allow_redirects=False, timeout=5).headers["Location"])
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(oidc_identity__subject="s-3").exists()
    entry = AuditEntry.objects.get(action="login_failed", object_repr="single sign-on")
    assert "status: 400" in entry.changes["reason"]  # the provider's invalid_grant
    assert "nicht angemeldet werden" in client.get(reverse("accounts:login")).content.decode()


def test_an_id_token_for_another_client_is_refused(provider, mappings):
    provider.audience = "another-client"
    client = sso_login(provider, sub="s-4", groups=["ss-koordination"])
    assert client.callback_response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(oidc_identity__subject="s-4").exists()
    entry = AuditEntry.objects.get(action="login_failed", object_repr="single sign-on")
    assert "not addressed to this client" in entry.changes["reason"]


def test_mandatory_two_factor_applies_to_single_sign_on_too(provider, mappings):
    TwoFactorPolicy.objects.create(municipality=mappings.town, required=True)
    client = sso_login(provider, sub="s-8", groups=["ss-koordination"])
    assert client.get("/statistik/")["Location"].startswith(reverse("accounts:twofactor_setup"))


def test_group_mappings_are_the_administration_of_that_municipality_s(world, client_for):
    url = reverse("accounts:oidc_mappings")
    data = {"municipality": world.town.pk, "group": "ss-traeger", "role": Role.CARRIER}
    admin = client_for("admin")
    # A carrier role needs a carrier of that municipality: refused with the reason.
    page = admin.post(url, data)
    assert page.status_code == 200 and (
        "Die Rolle „Träger“ braucht eine Angabe im Feld „Träger“." in page.content.decode()
    )
    response = admin.post(url, {**data, "carrier": world.foreign_carrier.pk})
    assert response.status_code == 200  # not a choice: another municipality's carrier
    assert not OIDCGroupMapping.objects.exists()
    assert admin.post(url, {**data, "carrier": world.carrier.pk}).status_code == 302
    mapping = OIDCGroupMapping.objects.get()
    assert (mapping.municipality, mapping.carrier, mapping.role) == (
        world.town,
        world.carrier,
        Role.CARRIER,
    )
    # The neighbouring town is no choice for this administrator.
    other = {**data, "municipality": world.other_town.pk, "group": "x"}
    assert admin.post(url, other).status_code == 200
    assert OIDCGroupMapping.objects.count() == 1
    for name in ("coordinator", "carrier", "worker", "principal", "committee"):
        assert client_for(name).post(url, {**data, "group": "y"}).status_code == 403
    assert OIDCGroupMapping.objects.count() == 1


def test_single_sign_on_works_with_the_lock_out_switched_on(provider, mappings, settings):
    """django-axes sits first among the backends: the provider's callback
    passes it (no user name, no password) and logs in."""
    settings.AXES_ENABLED = True
    client = sso_login(provider, sub="s-axes", groups=["ss-koordination"])
    assert client.callback_response["Location"] == "/statistik/"
    assert (
        int(client.session["_auth_user_id"]) == User.objects.get(oidc_identity__subject="s-axes").pk
    )


NO_ROLE = (
    "Ihrem Konto ist in schulsozial keine Rolle zugeordnet. Bitte wenden Sie sich an die "
    "Administration Ihrer Kommune."
)


def test_a_login_without_a_mapped_group_is_refused_and_creates_no_account(provider, mappings):
    """Issue 13: such an account had no role, so only the global administrator saw it."""
    users_before = User.objects.count()
    client = sso_login(provider, sub="s-norole", groups=["unbekannte-gruppe"])
    assert client.callback_response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before
    assert not OIDCIdentity.objects.filter(subject="s-norole").exists()
    page = client.get(reverse("accounts:login")).content.decode()
    assert NO_ROLE in page
    assert "nicht angemeldet werden" not in page  # not the generic failure
    entry = AuditEntry.objects.get(action="login_failed", object_repr="single sign-on")
    assert entry.changes["single_sign_on"] == "s-norole"
    assert entry.changes["groups"] == ["unbekannte-gruppe"]
    assert "no role" in entry.changes["reason"]


def test_an_account_whose_last_role_went_with_its_group_is_refused(provider, mappings):
    sso_login(provider, sub="s-gone", groups=["ss-koordination"])
    user = User.objects.get(oidc_identity__subject="s-gone")
    client = sso_login(provider, sub="s-gone", groups=[])
    assert client.callback_response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert roles_of(user) == set()  # the provider governs mapped roles: removed
    assert NO_ROLE in client.get(reverse("accounts:login")).content.decode()
    failed = AuditEntry.objects.filter(action="login_failed", object_type="accounts.user")
    entry = failed.get(changes__single_sign_on="s-gone")
    assert entry.object_id == str(user.pk) and "no role" in entry.changes["reason"]
    assert entry.municipality_id == mappings.town.pk  # its administration sees the refusal
    # Given a role by hand, the same account logs in again.
    role_assign(user=user, role=Role.COMMITTEE, by=SYSTEM, municipality=mappings.town)
    client = sso_login(provider, sub="s-gone", groups=[])
    assert client.callback_response["Location"] == "/statistik/"
    assert int(client.session["_auth_user_id"]) == user.pk
