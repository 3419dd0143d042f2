"""The one place where the domain services tell that something happened.

A service calls `emit("school_concept.step", concept=..., action=..., by=...)`
inside its transaction; the notifications app registers its listeners in
``NotificationsConfig.ready`` (notifications/listeners.py). It lives in
core, which imports no domain app, so that the concepts can emit and the
notifications can listen without either importing the other's modules at
the top (concepts -> core.events <- notifications -> concepts). The calls are plain
function calls in the caller's transaction: a listener records what to
deliver and enqueues the delivery on commit, it never sends in the request.
Without a listener (the app not installed) an event is simply dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Listener = Callable[..., None]

_listeners: defaultdict[str, list[Listener]] = defaultdict(list)

# The events the domain emits (name -> keyword arguments).
SCHOOL_CONCEPT_STEP = "school_concept.step"  # concept, action, by, comment
CONSULTATION_OPENED = "framework.consultation_opened"  # version, by


def listen(event: str, listener: Listener) -> None:
    """Register `listener` for `event` (once; a second call is ignored)."""
    if listener not in _listeners[event]:
        _listeners[event].append(listener)


def emit(event: str, **payload: Any) -> None:
    """Call every listener of `event` with the payload, in order."""
    for listener in _listeners.get(event, ()):
        listener(**payload)
