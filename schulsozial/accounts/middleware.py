"""Session idle timeout and the forced password change.

Idle timeout: a session lives SESSION_COOKIE_AGE seconds (= SESSION_IDLE_TIMEOUT
minutes) after it was last saved. Saving it on every request would cost a
database write per page view (SESSION_SAVE_EVERY_REQUEST), so this
middleware saves it at most once every SESSION_REFRESH_SECONDS (one minute):
a user idle for the timeout is logged out, give or take that minute. Besides,
a session ends SESSION_ABSOLUTE_TIMEOUT seconds after the login, active or not.

htmx: a request from htmx (header HX-Request) that needs a login, because the
session ended here or login_required refused it, gets HX-Redirect to the
login page instead of a 302: htmx would follow the 302 and swap the whole
login page into the element it updates. next= is the page the user is on
(HX-Current-URL, when it is on this site), not the fragment's URL.

Forced change: a user whose password an administrator chose
(User.must_change_password) is sent to the password change page until the
change is done; logging out and the change pages stay reachable.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_htmx.http import HttpResponseClientRedirect

SEEN = "_schulsozial_seen"
STARTED = "_schulsozial_started"


def mark_login(request: HttpRequest) -> None:
    """At login: the absolute limit counts from now (accounts/signals.py)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(timezone.now().timestamp())
        session[STARTED] = session[SEEN] = now


def _is_htmx(request: HttpRequest) -> bool:
    # django-htmx's middleware runs later: read its header here.
    return request.headers.get("HX-Request") == "true"


def _htmx_next(request: HttpRequest) -> str:
    """The page to return to after the login: htmx's current page when it is
    on this site, else the requested path."""
    current = request.headers.get("HX-Current-URL", "")
    if current and url_has_allowed_host_and_scheme(
        current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(current)
        if parts.path.startswith("/"):
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
    return request.get_full_path()


def _login_redirect(next_url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")


class SessionIdleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._check(request) or self.get_response(request)
        if _is_htmx(request) and isinstance(response, HttpResponseRedirect):
            target = urlsplit(response.url)
            if target.path != reverse(settings.LOGIN_URL) or "next" not in parse_qs(target.query):
                return response  # not a login asked for (a logout's redirect has no next)
            # The ended session's answer below, or login_required's.
            return HttpResponseClientRedirect(
                f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': _htmx_next(request)})}"
            )
        return response

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(timezone.now().timestamp())
            started = session.get(STARTED)
            if started is None:
                session[STARTED] = started = now
            if now - int(started) > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                return _login_redirect(request.get_full_path())
            if now - int(session.get(SEEN, 0)) >= settings.SESSION_REFRESH_SECONDS:
                session[SEEN] = now  # saved at the end: the expiry starts again
        return None


class ForcedPasswordChangeMiddleware:
    ALLOWED = (
        "accounts:password_change",
        "accounts:password_change_done",
        "accounts:logout",
        "set_language",
        # The second factor comes first (accounts/twofactor.py).
        "accounts:twofactor_setup",
        "accounts:twofactor_verify",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._allowed: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
        ):
            if self._allowed is None:
                self._allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in self._allowed:
                target = reverse("accounts:password_change")
                # django-htmx's middleware runs later: read its header here.
                if request.headers.get("HX-Request") == "true":
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
        return self.get_response(request)
