"""Middleware: the language (German by default, whatever the browser asks
for; a user who switches to English keeps it through the language cookie),
the Content-Security-Policy header built once per process, and
`Cache-Control: no-store` on everything behind a login."""

from __future__ import annotations

from collections.abc import Callable

import csp.middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.allowed = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in self.allowed:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware with the header text built once per process.

    django-csp builds the policy anew for every response (the directives of
    settings copied, twice: the policy and the report-only policy), about
    80 µs per response. The policy comes from settings only, so the text is
    the same for every response that carries none of django-csp's per-view
    changes (its decorators) and whose request asked for no nonce; any such
    response still goes through django-csp's own code."""

    PER_RESPONSE = (
        "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
        "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
    )  # fmt: skip

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self.policy = build_policy()
        self.policy_ro = build_policy(report_only=True)
        prefixes = [
            *(getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get(
                "EXCLUDE_URL_PREFIXES", ()
            ),
            *(getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or {}).get(
                "EXCLUDE_URL_PREFIXES", ()
            ),
        ]
        self.excluded = tuple(prefixes)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in self.PER_RESPONSE)
            or (self.excluded and request.path_info.startswith(self.excluded))
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        if self.policy and HEADER not in response:
            response[HEADER] = self.policy
        if self.policy_ro and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = self.policy_ro
        # As django-csp does: a nonce asked for after the header is written fails.
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response behind a login (F-10).

    A response is behind a login when the request came from a logged-in
    session (before or after the view, so a login's redirect counts) or carried an `Authorization` header (the API's
    tokens). Pages, htmx partials, list exports and documents are all the
    same to it. `no-store` rather than `private, no-cache`: no-cache still
    lets the browser write the staff list or the concept PDF to its disk
    cache (on the shared PCs of a school office) and only asks it to
    revalidate; no-store forbids keeping a copy anywhere. A header that
    already says no-store (Django's never_cache) is left as it is; any other
    is replaced. Anonymous responses (login, about) keep their headers and
    static files never reach this middleware (WhiteNoise answers first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _logged_in(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        return user is not None and user.is_authenticated

    def process_view(self, request: HttpRequest, *args: object) -> None:
        # Asked before the view too: REST framework views replace request.user
        # with their own (anonymous for a token) during the view.
        request._no_store = self._logged_in(request)  # type: ignore[attr-defined]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(request, "_no_store", False)
            or self._logged_in(request)
            or "HTTP_AUTHORIZATION" in request.META
        ):
            current = response.get("Cache-Control", "")
            if "no-store" not in current.lower():
                response["Cache-Control"] = "no-store"
        return response
