"""The Content-Security-Policy header built once per process equals what
django-csp builds per response, and django-csp's per-view changes and
nonces still take effect."""

from __future__ import annotations

import csp.middleware
import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from schulsozial.core.middleware import CSPMiddleware

HEADER = "Content-Security-Policy"


def _through(middleware_class, response=None, *, nonce=False):  # type: ignore[no-untyped-def]
    request = RequestFactory().post("/dokumentation/neu/")
    middleware = middleware_class(lambda r: response)
    middleware.process_request(request)
    if nonce:
        str(request.csp_nonce)
    return request, middleware.process_response(request, response or HttpResponse())


def test_cached_policy_equals_django_csps_own():
    _request, ours = _through(CSPMiddleware)
    _request, theirs = _through(csp.middleware.CSPMiddleware)
    assert ours[HEADER] == theirs[HEADER]
    assert "default-src 'self'" in ours[HEADER]
    assert "frame-ancestors 'none'" in ours[HEADER]


@pytest.mark.parametrize(
    ("attribute", "value", "expected"),
    [
        ("_csp_update", {"img-src": ["https://example.org"]}, "https://example.org"),
        ("_csp_replace", {"script-src": ["'none'"]}, "script-src 'none'"),
    ],
)
def test_a_views_own_policy_change_still_applies(attribute, value, expected):
    response = HttpResponse()
    setattr(response, attribute, value)
    _request, response = _through(CSPMiddleware, response)
    assert expected in response[HEADER]


def test_an_exempt_view_gets_no_header():
    response = HttpResponse()
    response._csp_exempt = True
    _request, response = _through(CSPMiddleware, response)
    assert HEADER not in response


def test_a_nonce_asked_for_is_in_the_header():
    _request, response = _through(CSPMiddleware, nonce=True)
    assert HEADER in response


def test_a_nonce_asked_for_after_the_header_fails():
    request, _response = _through(CSPMiddleware)
    with pytest.raises(csp.middleware.CSPNonceError):
        str(request.csp_nonce)
