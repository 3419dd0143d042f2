"""Session idle timeout and the forced password change.

Idle timeout: a session lives SESSION_COOKIE_AGE seconds (= SESSION_IDLE_TIMEOUT
minutes) after it was last saved. Saving it on every request would cost a
database write per page view (SESSION_SAVE_EVERY_REQUEST), so this
middleware saves it at most once every SESSION_REFRESH_SECONDS (one minute):
a user idle for the timeout is logged out, give or take that minute. Besides,
a session ends SESSION_ABSOLUTE_TIMEOUT seconds after the login, active or not.

Forced change: a user whose password an administrator chose
(User.must_change_password) is sent to the password change page until the
change is done; logging out and the change pages stay reachable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

SEEN = "_schulsozial_seen"
STARTED = "_schulsozial_started"


def mark_login(request: HttpRequest) -> None:
    """At login: the absolute limit counts from now (accounts/signals.py)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(timezone.now().timestamp())
        session[STARTED] = session[SEEN] = now


class SessionIdleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(timezone.now().timestamp())
            started = session.get(STARTED)
            if started is None:
                session[STARTED] = started = now
            if now - int(started) > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                return HttpResponseRedirect(
                    f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
                )
            if now - int(session.get(SEEN, 0)) >= settings.SESSION_REFRESH_SECONDS:
                session[SEEN] = now  # saved at the end: the expiry starts again
        return self.get_response(request)


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
