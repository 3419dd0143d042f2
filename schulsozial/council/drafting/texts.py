"""The texts a new draft starts with: the Beratungsfolge, the framework
and the distribution drafts."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .document import (
    DECISION_PAPER,
    ROLE_DECISION,
    ROLE_PRELIMINARY,
    DraftStart,
    Step,
    _date,
    _long_date,
)


def default_consultations(committees: Sequence[str] = ()) -> list[Step]:
    """The usual sequence of a paper on school social work: the youth welfare
    and the school committee advise, the council decides (the municipality's
    own committee names where it has them)."""
    names = list(committees) or [
        "Jugendhilfeausschuss",
        "Schulausschuss",
        "Rat",
    ]
    return [
        Step(name, None, ROLE_DECISION if i == len(names) - 1 else ROLE_PRELIMINARY)
        for i, name in enumerate(names)
    ]


@dataclass(frozen=True)
class Change:
    """A section or standard of the framework that changed."""

    title: str
    change: str  # added, changed, removed


def framework_changes(pairs: dict[str, list[tuple[Any, Any]]]) -> dict[str, list[Change]]:
    """What changed between two versions (pairs of concepts.diff.Entry from
    concepts.selectors.synopsis_pairs), by group."""
    from schulsozial.concepts.diff import change_of

    out: dict[str, list[Change]] = {}
    for group, items in pairs.items():
        out[group] = [
            Change((after or before).title, change)
            for before, after in items
            if (change := change_of(before, after)) != "unchanged"
        ]
    return out


def _change_phrase(change: Change) -> str:
    return {
        "added": _("%(title)s (new)"),
        "changed": _("%(title)s (changed)"),
        "removed": _("%(title)s (removed)"),
    }[change.change] % {"title": change.title}


def framework_start(
    *,
    municipality: str,
    version_title: str,
    version_number: int,
    version_day: datetime.date,
    previous_number: int | None,
    previous_decision: datetime.date | None,
    changes: dict[str, list[Change]],
    committees: Sequence[str] = (),
) -> DraftStart:
    """The draft "Beschluss des Rahmenkonzepts (neue Fassung)"."""
    day = _long_date(version_day)
    paragraphs = []
    if previous_number is None:
        paragraphs.append(
            _(
                "The administration presents the framework concept for school social work in "
                "%(municipality)s for the first time. It sets out common standards for school "
                "social work at all schools, whichever carrier employs the staff."
            )
            % {"municipality": municipality}
        )
    else:
        since = (
            _("adopted on %(date)s") % {"date": _date(previous_decision)}
            if previous_decision
            else _("version %(n)s") % {"n": previous_number}
        )
        paragraphs.append(
            _(
                "The framework concept for school social work in %(municipality)s (%(since)s) "
                "has been revised. The new version %(n)s of %(day)s is presented for decision."
            )
            % {"municipality": municipality, "since": since, "n": version_number, "day": day}
        )
        sections = changes.get("sections", [])
        standards = changes.get("standards", [])
        if sections or standards:
            paragraphs.append(_("The main changes against the version in force:"))
            items = [f"- {_change_phrase(c)}" for c in sections]
            if standards:
                items.append(
                    "- "
                    + _("Standards: %(list)s")
                    % {"list": "; ".join(_change_phrase(c) for c in standards)}
                )
            paragraphs.append("\n".join(items))
            paragraphs.append(
                _("The annexed synopsis sets the previous and the new text side by side.")
            )
        else:
            paragraphs.append(_("The text is unchanged against the version in force."))
    paragraphs.append(
        _(
            "The school social workers, the carriers and the schools took part in the "
            "consultation on the draft."
        )
    )
    annexes = [_("Framework concept for school social work, version of %(day)s") % {"day": day}]
    if previous_number is not None:
        annexes.append(
            _("Synopsis of the changes (version %(old)s – version %(new)s)")
            % {"old": previous_number, "new": version_number}
        )
    return DraftStart(
        title=_("Framework concept for school social work in %(municipality)s (new version)")
        % {"municipality": municipality},
        paper_type=DECISION_PAPER,
        consultations=default_consultations(committees),
        sachverhalt="\n\n".join(paragraphs),
        beschlussvorschlag=_(
            "The council adopts the framework concept for school social work in the version "
            "of %(day)s (annex 1). The administration is instructed to implement it and to "
            "review it regularly."
        )
        % {"day": day},
        annexes=annexes,
    )


def distribution_start(
    *,
    municipality: str,
    school_year: str,
    scenario_name: str,
    total_fte: str,
    current_fte: str,
    schools: int,
    rules: Sequence[tuple[str, str]],
    criteria: Sequence[str],
    committees: Sequence[str] = (),
) -> DraftStart:
    """The draft "Verteilung der Stellen für Schulsozialarbeit im Schuljahr X".
    `total_fte`/`current_fte` are formatted already (German decimal comma),
    `rules` and `criteria` come from allocation.rules_text.describe."""
    from django.utils.translation import ngettext

    paragraphs = [
        ngettext(
            "For the school year %(year)s, %(fte)s full-time equivalents (FTE) of school "
            "social work are to be distributed over %(n)s school in %(municipality)s "
            "(today: %(current)s FTE).",
            "For the school year %(year)s, %(fte)s full-time equivalents (FTE) of school "
            "social work are to be distributed over %(n)s schools in %(municipality)s "
            "(today: %(current)s FTE).",
            schools,
        )
        % {
            "year": school_year,
            "fte": total_fte,
            "n": schools,
            "municipality": municipality,
            "current": current_fte,
        },
        _(
            "The distribution follows transparent rules that the administration applied to "
            "the current figures of every school (calculation “%(name)s”):"
        )
        % {"name": scenario_name},
    ]
    items = [f"- {label}: {value}" for label, value in rules]
    items += [f"- {_('Criterion')}: {c}" for c in criteria]
    if items:
        paragraphs.append("\n".join(items))
    paragraphs.append(_("The annex lists the share of every school and its change against today."))
    return DraftStart(
        title=_("Distribution of the posts for school social work in the school year %(year)s")
        % {"year": school_year},
        paper_type=DECISION_PAPER,
        consultations=default_consultations(committees),
        sachverhalt="\n\n".join(paragraphs),
        beschlussvorschlag=_(
            "The council decides the distribution of the posts for school social work in the "
            "school year %(year)s as set out in the annex (%(fte)s FTE over %(n)s schools)."
        )
        % {"year": school_year, "fte": total_fte, "n": schools},
        annexes=[
            _("Distribution of school social work in the school year %(year)s: %(name)s")
            % {"year": school_year, "name": scenario_name}
        ],
    )
