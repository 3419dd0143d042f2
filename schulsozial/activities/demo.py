"""Demo documentation: plausible anonymised activities for the demo towns,
written with bulk_create (the services' checks are not needed for generated
rows, but participant totals and case hashes are computed exactly as there)."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from schulsozial.accounts.models import Role, RoleAssignment
from schulsozial.core import school_year
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import Municipality, PositionAssignment, SchoolType, StaffMember

from .casecode import case_hash
from .hooks import rollups
from .models import Activity, CatalogueEntry, ParticipantCount, Source
from .services import api_token_create, catalogues_ensure_defaults

# activity type -> (weight, target group, minutes choices, participants range)
PLAN = {
    "counselling_pupil": (30, "individual", (20, 30, 45, 60), (1, 1)),
    "counselling_parents": (10, "parents", (30, 45, 60), (1, 2)),
    "counselling_staff": (10, "staff", (15, 20, 30), (1, 2)),
    "group_offer": (10, "group", (45, 90), (4, 10)),
    "class_project": (8, "class", (45, 90, 180), (18, 28)),
    "open_offer": (6, "group", (60, 90, 120), (5, 20)),
    "crisis": (3, "individual", (30, 60, 90), (1, 1)),
    "child_protection": (1, "individual", (60, 120), (1, 1)),
    "case_conference": (3, "network", (60, 90), (0, 0)),
    "home_visit": (1, "parents", (60, 90), (1, 2)),
    "but": (4, "parents", (20, 30), (1, 1)),
    "transition": (3, "individual", (30, 45), (1, 1)),
    "parents_evening": (1, "parents", (90, 120), (10, 40)),
    "network": (6, "network", (60, 90, 120), (0, 0)),
    "administration": (4, "school", (30, 60), (0, 0)),
}
TOPICS_FOR = {
    "counselling_pupil": [
        "peer_conflicts",
        "family",
        "bullying",
        "psychological",
        "learning",
        "behaviour",
    ],
    "counselling_parents": ["family", "learning", "truancy", "financial", "behaviour"],
    "crisis": ["violence", "psychological", "child_protection", "family"],
    "child_protection": ["child_protection"],
    "class_project": ["bullying", "media", "peer_conflicts", "relationships"],
    "group_offer": ["peer_conflicts", "behaviour", "media"],
    "but": ["financial"],
    "transition": ["school_to_work"],
}


def _band_for(school_type: str) -> str:
    if school_type == SchoolType.GS:
        return "primary"
    if school_type == SchoolType.BK:
        return "vocational"
    return "lower_secondary"


@transaction.atomic
def build_activities_demo(
    *,
    municipality: Municipality,
    months: int = 15,
    per_worker_month: int = 6,
    api_token: bool = False,
    seed: int = 5,
    stdout: Any = None,
) -> int:
    """Default catalogues, and about `per_worker_month` activities per social
    worker and month for the last `months` months (not before the start of the
    previous school year). Optionally one API token for the municipality's
    demo carrier (its key is not printed). Returns the number of activities."""
    catalogues_ensure_defaults(municipality=municipality, by=SYSTEM)
    rng = random.Random(f"{seed}-{municipality.ags}")  # noqa: S311  (demo data, not secrets)
    entries = {
        (e.kind, e.code): e for e in CatalogueEntry.objects.filter(municipality=municipality)
    }
    today = timezone.localdate()
    earliest = school_year.bounds(school_year.start_year_of(today) - 1)[0]
    start = max(earliest, today - datetime.timedelta(days=round(months * 30.4)))
    pairs = (
        PositionAssignment.objects.filter(
            position__municipality=municipality,
            position__staff_member__isnull=False,
            position__function="social_work",
        )
        .select_related("school", "position__staff_member")
        .order_by("position__staff_member_id", "school_id")
    )
    by_worker: dict[int, list[PositionAssignment]] = {}
    members: dict[int, StaffMember] = {}
    for assignment in pairs:
        member = assignment.position.staff_member
        if member is not None:  # always (filtered above); narrows the type
            members[member.pk] = member
            by_worker.setdefault(member.pk, []).append(assignment)
    types = list(PLAN)
    weights = [PLAN[t][0] for t in types]
    days = [
        start + datetime.timedelta(days=i)
        for i in range((today - start).days)
        if (start + datetime.timedelta(days=i)).weekday() < 5
    ]
    activities: list[Activity] = []
    details: list[tuple[list[str], str, str, int]] = []
    total_months = max(1, round(len(days) / 21))
    for worker_id, assignments in by_worker.items():
        member = members[worker_id]
        for _ in range(per_worker_month * total_months):
            assignment = rng.choice(assignments)
            school = assignment.school
            kind = rng.choices(types, weights)[0]
            _weight, target, minutes, (low, high) = PLAN[kind]
            people = rng.randint(low, high)
            day = rng.choice(days)
            code = f"F{rng.randint(1, 40)}" if target == "individual" and rng.random() < 0.6 else ""
            activities.append(
                Activity(
                    school=school,
                    worker_id=worker_id,
                    author_id=member.user_id,
                    date=day,
                    minutes=rng.choice(minutes),
                    activity_type=entries[("activity_type", kind)],
                    target_group=entries[("target_group", target)],
                    contact_origin=entries[
                        (
                            "contact_origin",
                            rng.choice(["self", "teacher", "parents", "peers", "own_initiative"]),
                        )
                    ]
                    if target in ("individual", "parents")
                    else None,
                    partner=entries[
                        (
                            "partner",
                            rng.choice(
                                ["asd", "counselling_centre", "school_psychology", "but_office"]
                            ),
                        )
                    ]
                    if kind in ("crisis", "child_protection", "case_conference", "but")
                    else None,
                    follow_up=rng.random() < 0.35,
                    participants=people,
                    source=Source.FORM,
                    case_hash=case_hash(school_id=school.pk, code=code) if code else "",
                )
            )
            topics = rng.sample(
                TOPICS_FOR.get(kind, []), k=min(len(TOPICS_FOR.get(kind, [])), rng.randint(0, 2))
            )
            details.append(
                (
                    topics,
                    _band_for(school.school_type),
                    rng.choice(["female", "male", "male", "female", "diverse"]),
                    people,
                )
            )
    Activity.objects.bulk_create(activities, batch_size=2000)
    counts, links = [], []
    through = Activity.topics.through
    for activity, (topics, band, gender, people) in zip(activities, details, strict=True):
        for code in topics:
            links.append(
                through(activity_id=activity.pk, catalogueentry_id=entries[("topic", code)].pk)
            )
        if people == 1:
            counts.append(
                ParticipantCount(
                    activity=activity,
                    gender=entries[("gender", gender)],
                    grade_band=entries[("grade_band", band)],
                    count=1,
                )
            )
        elif people > 1:
            girls = people // 2
            counts.append(
                ParticipantCount(
                    activity=activity,
                    gender=entries[("gender", "female")],
                    grade_band=entries[("grade_band", band)],
                    count=girls,
                )
            )
            counts.append(
                ParticipantCount(
                    activity=activity,
                    gender=entries[("gender", "male")],
                    grade_band=entries[("grade_band", band)],
                    count=people - girls,
                )
            )
        # Entered on the day after the activity: older demo records are locked.
        activity.created_at = timezone.make_aware(
            datetime.datetime.combine(
                activity.date + datetime.timedelta(days=1), datetime.time(16, 0)
            )
        )
    through.objects.bulk_create(links, batch_size=5000)
    ParticipantCount.objects.bulk_create(counts, batch_size=5000)
    Activity.objects.bulk_update(activities, ["created_at"], batch_size=2000)
    # bulk_create bypasses the services, which keep the statistics rollups on
    # write: rebuild the (school, school year) cells of the demo records.
    rollups().ensure_rollups_for(Activity.objects.filter(pk__in=[a.pk for a in activities]))
    if api_token:
        manager = (
            RoleAssignment.objects.filter(role=Role.CARRIER, carrier__municipality=municipality)
            .select_related("carrier", "user")
            .first()
        )
        # Created by the carrier's manager, as only a carrier may (a carrier
        # grant always names its carrier).
        if manager is not None and manager.carrier is not None:
            api_token_create(
                carrier=manager.carrier,
                name="Fachsoftware des Trägers (Demo)",
                by=manager.user,
            )
    if stdout is not None:
        stdout.write(
            ngettext(
                "Documentation %(town)s: %(count)s demo activity",
                "Documentation %(town)s: %(count)s demo activities",
                len(activities),
            )
            % {"town": municipality.name, "count": len(activities)}
        )
    return len(activities)
