"""The user's deadlines as an iCalendar feed (RFC 5545, the icalendar
library): one all-day event per deadline, German summaries, no personal data
(schools, framework versions and dates only)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import icalendar
from django.utils import timezone

from .registry import Deadline
from .services import absolute


def calendar_of(deadlines: Iterable[Deadline], *, host: str = "schulsozial") -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//schulsozial//Fristen//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "schulsozial: Fristen")
    stamp = timezone.now()
    for deadline in deadlines:
        event = icalendar.Event()
        event.add("uid", f"{deadline.key.replace(':', '-')}-{deadline.date:%Y%m%d}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.date)
        event.add("dtend", deadline.date + datetime.timedelta(days=1))
        event.add("summary", deadline.title)
        link = absolute(deadline.url)
        event.add("url", link)
        event.add("description", f"{deadline.description}\n{link}".strip())
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
