"""The platform's own error pages (config/urls.py handler400..500 and
settings.CSRF_FAILURE_VIEW): German by default, in the platform's layout,
each saying what happened and where to go next (issue 13).

403, 404 and a refused CSRF check render with the request, inside
base.html, so a logged-in user keeps the menu. 400 and 500 render without
the request's context processors (no session, no database, no user): a 400
may come from a request that cannot be trusted (a foreign host name), and a
500 may come from a database that is down. Should even that fail, the 500
answer is a fixed German text.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

FALLBACK_500 = (
    '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
    "<title>Interner Fehler · schulsozial</title></head><body>"
    "<h1>Ein interner Fehler ist aufgetreten</h1>"
    "<p>Die Seite konnte nicht angezeigt werden. Bitte versuchen Sie es in einigen Minuten "
    'noch einmal.</p><p><a href="/">Zur Startseite</a></p></body></html>'
)


def back_url(request: HttpRequest, *, same_page: bool = False) -> str:
    """The page the user came from, if it is one of ours and (unless
    `same_page`: a form sent to its own address) not this one (the Referer
    header; anything else is ignored)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # a disallowed host name: no way back to offer
        return ""
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return ""
    if not same_page and referer == request.build_absolute_uri():
        return ""
    return referer


def _with_request(
    request: HttpRequest, template: str, status: int, *, same_page: bool = False, **extra: Any
) -> HttpResponse:
    login = reverse("accounts:login")
    context = {
        "back_url": back_url(request, same_page=same_page),
        "request_path": request.path,
        # Where the login link returns to: this address, unless it is the login.
        "next_path": "" if request.path == login else request.path,
        **extra,
    }
    return render(request, template, context, status=status)


def _standalone(template: str, status: int, context: dict[str, Any]) -> HttpResponse:
    """Render without the request: no context processors, no database."""
    return HttpResponse(loader.get_template(template).render(context), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _standalone("400.html", 400, {})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _with_request(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _with_request(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return _standalone("500.html", 500, {"back_url": back_url(request)})
    except Exception:  # the page itself failed (a missing static file, a broken URLconf)
        return HttpResponseServerError(FALLBACK_500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check: mostly a page left open too long, or
    a login in another tab. The reason is shown only with DEBUG on."""
    return _with_request(
        request, "403_csrf.html", 403, same_page=True, reason=reason if settings.DEBUG else ""
    )
