"""The demo (`manage.py load_demo`) holds what the issues promise: Herne's 43
and Kamen's 11 real schools with their figures, invented staff sized after the
published FTE, one user per role in each town, Herne's two distribution
scenarios, and the framework concepts of both towns with a consultation."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from schulsozial.accounts.models import Role, RoleAssignment
from schulsozial.allocation.models import Scenario
from schulsozial.concepts.models import ConsultationComment, FrameworkVersion
from schulsozial.dashboard.selectors import coordination_figures
from schulsozial.demo.builder import DemoBuilder
from schulsozial.masterdata.models import Municipality, School, StaffMember

pytestmark = pytest.mark.django_db


def test_demo_holds_both_towns_with_real_schools_staff_scenarios_and_concepts():
    DemoBuilder().build()
    herne = Municipality.objects.get(ags="05916000")
    kamen = Municipality.objects.get(ags="05978020")
    day = timezone.localdate()

    # Real schools with pupils, Sozialindex and Startchancen from the open data.
    assert School.objects.filter(municipality=herne).count() == 43
    assert School.objects.filter(municipality=kamen).count() == 11
    galileo = School.objects.get(school_number="100116")
    assert galileo.municipality == herne and "Galileo" in galileo.name
    figures = galileo.figures.all()
    assert {f.pupils for f in figures} - {None} == {210}  # pupils 2024/25
    assert {f.social_index for f in figures} - {None} == {8}  # Sozialindex 2025/26
    assert True in {f.startchancen for f in figures}

    # Invented staff sized after the published figures, labelled as demo data
    # and named by codes, never like real persons.
    assert coordination_figures(municipality=herne, day=day).fte_total == Decimal("48.00")
    assert coordination_figures(municipality=kamen, day=day).fte_total == Decimal("5.50")
    staff = StaffMember.objects.all()
    assert staff.exists() and not staff.filter(is_demo=False).exists()
    assert all(re.fullmatch(r"[\w ]+ [A-Z]{3}-\d{1,2}", s.label) for s in staff), [
        s.label for s in staff if not re.fullmatch(r"[\w ]+ [A-Z]{3}-\d{1,2}", s.label)
    ][:3]

    # One demo user per role in each town.
    for town in (herne, kamen):
        in_town = (
            Q(municipality=town) | Q(carrier__municipality=town) | Q(school__municipality=town)
        )
        roles = set(RoleAssignment.objects.filter(in_town).values_list("role", flat=True))
        assert roles == set(Role.values), town

    # Herne's two scenarios distribute the current FTE over the 43 schools;
    # the adopted one shows money per school.
    # (The staffing plan's demo adds the adopted one's continuation for the
    # next school year, "… (Fortschreibung 2027/28)", checked below.)
    herne_scenarios = Scenario.objects.filter(municipality=herne)
    continued = herne_scenarios.filter(name__contains="(Fortschreibung ")
    scenarios = {s.name: s for s in herne_scenarios.exclude(pk__in=continued)}
    assert set(scenarios) == {
        "Nur nach Schülerzahl",
        "Sockel + Schülerzahl × Sozialindex + Startchancen",
    }
    for scenario in scenarios.values():
        assert len(scenario.result["schools"]) == 43
        assert sum(Decimal(r["fte"]) for r in scenario.result["schools"]) == Decimal("48")
    adopted = scenarios["Sockel + Schülerzahl × Sozialindex + Startchancen"]
    assert adopted.status == "adopted" and adopted.decision_reference
    assert all(Decimal(r["money"]) > 0 for r in adopted.result["schools"])
    (next_year,) = continued
    assert next_year.status == "adopted"
    assert next_year.school_year.start.year == adopted.school_year.start.year + 1
    assert next_year.name == f"{adopted.name} (Fortschreibung {next_year.school_year.code})"

    # An adopted framework concept in each town, and a Herne draft in
    # consultation with comments, some answered with a reason.
    for town in (herne, kamen):
        assert FrameworkVersion.objects.filter(municipality=town, status="adopted").count() == 1
    draft = FrameworkVersion.objects.get(municipality=herne, status="consultation")
    comments = ConsultationComment.objects.filter(version=draft)
    answered = comments.exclude(answer="open")
    assert comments.count() > answered.count() > 0
    assert all(c.answer_reason for c in answered)
