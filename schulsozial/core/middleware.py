"""Middleware: the language (German by default, whatever the browser asks
for; a user who switches to English keeps it through the language cookie)
`Cache-Control: no-store` on everything behind a login, and the German
page for an empty 405 answer. The
Content-Security-Policy header is django-csp's (settings.CONTENT_SECURITY_POLICY)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .views_errors import back_url


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.allowed = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in self.allowed:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
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


class MethodNotAllowedPageMiddleware:
    """The German 405 page (templates/405.html) in the platform's layout for
    every empty 405 answer: Django's HttpResponseNotAllowed (require_POST,
    a view without a `get`) has no body, so a bookmarked or reloaded address
    of a form's action showed a blank page (issue 13). Status and `Allow`
    header stay; a 405 with a body of its own (the API's JSON) is left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        response.content = render_to_string(
            "405.html",
            {"back_url": back_url(request), "request_path": request.path},
            request=request,
        )
        response["Content-Type"] = "text/html; charset=utf-8"
        return response
