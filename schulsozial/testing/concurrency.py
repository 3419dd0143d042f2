"""Helpers for tests that run work on a second database connection at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two connections at once: PostgreSQL (the in-memory SQLite test "
    "database has one writer at a time and locks whole tables)",
)


def in_thread(target: Any, *args: Any, **kwargs: Any) -> tuple[threading.Thread, dict[str, Any]]:
    """Run `target` on its own database connection; the result or error lands in the dict."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = target(*args, **kwargs)
        except BaseException as error:
            result["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result
