"""Anonymous case codes: a keyed hash per school.

HMAC-SHA256 over (school id, normalised code) with a key derived from the
server's secret: the same code at two schools gives two different hashes, so
cases never link across schools; the raw code is never stored or returned.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from django.conf import settings


def _key() -> bytes:
    return _derive(getattr(settings, "CASE_CODE_KEY", "") or settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _derive(secret: str) -> bytes:
    """The HMAC key of a secret (derived once: an import hashes many codes)."""
    return hashlib.sha256(b"schulsozial-case-code:" + secret.encode()).digest()


def case_hash(*, school_id: int, code: str) -> str:
    normalised = " ".join(code.strip().lower().split())
    if not normalised:
        return ""
    message = f"{school_id}\x1f{normalised}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()
