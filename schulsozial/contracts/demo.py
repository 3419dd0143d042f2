"""Demo data of the app (called by demo/builder.py after the concepts' demo)."""

from __future__ import annotations

from typing import Any


def build_demo(*, herne: Any, kamen: Any, stdout: Any = None) -> None:
    """Nothing yet: the app's issue fills this in."""
