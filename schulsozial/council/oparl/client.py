"""Fetching OParl documents over HTTP.

One ``OParlClient`` per run: a shared httpx connection pool, a timeout per
request, a few retries with exponential backoff for what is usually passing
(HTTP 500/502/503/504, 429, a timeout, a dropped connection), and then an
``OParlError`` whose message (German in the UI) names the URL and the cause.
An answer that is not JSON is never retried: it is reported as it is.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from django.utils.formats import get_format
from django.utils.translation import gettext as _

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = 30.0  # seconds per request (connect, read)
DEFAULT_RETRIES = 3  # attempts after the first one
DEFAULT_BACKOFF = 1.0  # seconds before the first retry, doubled each time
MAX_BYTES = 50 * 1024 * 1024  # one OParl page; real list pages are < 5 MB
USER_AGENT = "schulsozial-oparl-import/1.0 (+https://schema.oparl.org/)"


class OParlError(Exception):
    """A failure that ends the run; ``str()`` is the message for the user
    (translated when it is read), naming the URL."""

    def __init__(self, url: str, detail: str = "") -> None:
        super().__init__(url, detail)
        self.url = url
        self.detail = detail

    def message(self) -> str:
        return _("%(url)s: %(detail)s") % {"url": self.url, "detail": self.detail}

    def __str__(self) -> str:
        return self.message()


class OParlHTTPError(OParlError):
    def __init__(self, url: str, status: int, attempts: int = 1) -> None:
        super().__init__(url, str(status))
        self.status = status
        self.attempts = attempts

    def message(self) -> str:
        if self.attempts > 1:
            return _(
                "%(url)s: the council system answered HTTP %(status)s, also after "
                "%(attempts)s attempts."
            ) % {"url": self.url, "status": self.status, "attempts": self.attempts}
        return _("%(url)s: the council system answered HTTP %(status)s.") % {
            "url": self.url,
            "status": self.status,
        }


class OParlNotFoundError(OParlHTTPError):
    """404 or 410: the object is gone (a link the walker may skip)."""


class OParlTimeoutError(OParlError):
    def __init__(self, url: str, seconds: float, attempts: int = 1) -> None:
        super().__init__(url, "timeout")
        self.seconds = seconds
        self.attempts = attempts

    def message(self) -> str:
        return _("%(url)s: no answer within %(seconds)s seconds (%(attempts)s attempts).") % {
            "url": self.url,
            "seconds": f"{self.seconds:g}".replace(".", str(get_format("DECIMAL_SEPARATOR"))),
            "attempts": self.attempts,
        }


class OParlConnectionError(OParlError):
    def message(self) -> str:
        return _("%(url)s: the council system cannot be reached (%(detail)s).") % {
            "url": self.url,
            "detail": self.detail,
        }


class OParlJSONError(OParlError):
    def message(self) -> str:
        return _("%(url)s: the answer is not valid JSON (%(detail)s).") % {
            "url": self.url,
            "detail": self.detail,
        }


class OParlFormatError(OParlError):
    """Valid JSON, but not the OParl object or list expected there."""

    def message(self) -> str:
        return _("%(url)s: not an OParl answer as expected: %(detail)s") % {
            "url": self.url,
            "detail": self.detail,
        }


class OParlForbiddenHostError(OParlError):
    def message(self) -> str:
        return _(
            "%(url)s: this address is in the platform's own network; only council systems "
            "on the internet can be imported from the page."
        ) % {"url": self.url}


def is_private_host(host: str) -> bool:
    """Does `host` name (or resolve to) a loopback, private, link-local or
    otherwise non-public address? Unresolvable names count as private."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return True
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return True
    return False


def decode_json(url: str, content: bytes) -> Any:
    """The JSON of an answer or a saved file; OParlJSONError names the place."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    try:
        return json.loads(text)
    except ValueError as exc:
        return _raise_json(url, exc)


def _raise_json(url: str, exc: ValueError) -> Any:
    if isinstance(exc, json.JSONDecodeError):
        detail = _("line %(line)s, column %(column)s: %(reason)s") % {
            "line": exc.lineno,
            "column": exc.colno,
            "reason": exc.msg,
        }
    else:
        detail = str(exc)
    raise OParlJSONError(url, detail) from exc


class OParlClient:
    """GET JSON documents of one OParl server; counts its requests."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        allow_private: bool = True,
    ) -> None:
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.sleep = sleep
        self.requests = 0
        self.allow_private = allow_private
        self._http = httpx.Client(
            event_hooks={"request": [self._check_host]},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            transport=transport,
        )

    def _check_host(self, request: httpx.Request) -> None:
        """Web-started runs reach only public hosts, also after redirects
        (no requests into the platform's own network)."""
        if not self.allow_private and is_private_host(request.url.host):
            raise OParlForbiddenHostError(str(request.url))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OParlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        """The decoded JSON at `url`; raises an OParlError subclass."""
        shown = str(httpx.URL(url, params=params)) if params else url
        content = self._fetch(url, shown, params=params, max_bytes=MAX_BYTES)
        return decode_json(shown, content)

    def get_bytes(self, url: str, *, max_bytes: int) -> bytes:
        """The body at `url` (a file), at most `max_bytes` (OParlFormatError
        beyond, without reading the rest)."""
        return self._fetch(url, url, params=None, max_bytes=max_bytes)

    def _fetch(
        self, url: str, shown: str, *, params: Mapping[str, str] | None, max_bytes: int
    ) -> bytes:
        attempts = 0
        while True:
            attempts += 1
            self.requests += 1
            try:
                with self._http.stream("GET", url, params=params) as response:
                    status = response.status_code
                    if status in RETRY_STATUS and attempts <= self.retries:
                        retry = True
                    else:
                        retry = False
                        if status in (404, 410):
                            raise OParlNotFoundError(shown, status, attempts)
                        if status >= 400:
                            raise OParlHTTPError(shown, status, attempts)
                        content = bytearray()
                        for chunk in response.iter_bytes():
                            content += chunk
                            if len(content) > max_bytes:
                                raise OParlFormatError(
                                    shown,
                                    _("the answer is larger than %(mb)s MB")
                                    % {"mb": max_bytes // (1024 * 1024)},
                                )
            except httpx.TimeoutException as exc:
                if attempts <= self.retries:
                    self._wait(attempts)
                    continue
                raise OParlTimeoutError(shown, self.timeout, attempts) from exc
            except httpx.InvalidURL as exc:
                raise OParlConnectionError(shown, str(exc)) from exc
            except httpx.TransportError as exc:
                if attempts <= self.retries:
                    self._wait(attempts)
                    continue
                raise OParlConnectionError(shown, str(exc) or type(exc).__name__) from exc
            except httpx.HTTPError as exc:  # unsupported scheme, too many redirects
                raise OParlConnectionError(shown, str(exc) or type(exc).__name__) from exc
            if retry:
                self._wait(attempts)
                continue
            return bytes(content)

    def _wait(self, attempt: int) -> None:
        self.sleep(self.backoff * (2 ** (attempt - 1)))
