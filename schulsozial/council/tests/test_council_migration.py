"""council 0003 turns the old decision fields of framework versions into
council papers: a paper per number (shared where two versions recorded the
same one), the deciding body as committee with role Entscheidung and result
"beschlossen", a link to each version; concepts 0004 then drops the fields."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from schulsozial.concepts.models import FrameworkVersion
from schulsozial.council import selectors
from schulsozial.council.models import Paper
from schulsozial.testing.personas import build_world

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("concepts", "0003_adopted_has_review_due"), ("council", "0002_oparl_import")]


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [k for k in executor.loader.graph.leaf_nodes() if k[0] in ("concepts", "council")]


def test_decision_fields_become_papers_with_a_deciding_consultation_and_a_link():
    world = build_world()
    latest = _latest()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        executor.loader.build_graph()
        old = executor.loader.project_state(BEFORE).apps
        version = old.get_model("concepts", "FrameworkVersion")
        common = {"municipality_id": world.town.pk, "title": "Rahmenkonzept Teststadt"}
        version.objects.create(
            **common, number=1, status="superseded", decision_body="Jugendhilfeausschuss",
            decision_date=datetime.date(2019, 9, 24), paper_number="095/2019",
            review_due=datetime.date(2022, 9, 24),
        )  # fmt: skip
        # The old form accepted the same number twice (issue 14): one paper, two links.
        version.objects.create(
            **common, number=2, status="adopted", decision_body="Rat",
            decision_date=datetime.date(2025, 3, 1), paper_number=" 095/2019 ",
            review_due=datetime.date(2028, 3, 1),
        )  # fmt: skip
        version.objects.create(**common, number=3, status="draft")
    finally:
        MigrationExecutor(connection).migrate(latest)

    papers = list(Paper.objects.filter(municipality=world.town))
    assert [p.reference for p in papers] == ["095/2019"]
    paper = papers[0]
    assert paper.paper_type is not None and paper.paper_type.name == "Beschlussvorlage"
    steps = [(c.committee.name, c.date, c.role, c.result) for c in paper.consultations.all()]
    assert steps == [
        ("Jugendhilfeausschuss", datetime.date(2019, 9, 24), "decision", "beschlossen"),
        ("Rat", datetime.date(2025, 3, 1), "decision", "beschlossen"),
    ]
    linked = sorted(link.framework_version.number for link in paper.links.all())
    assert linked == [1, 2]
    adopted = FrameworkVersion.objects.get(municipality=world.town, number=2)
    decision = selectors.framework_decision(adopted)
    assert decision is not None and decision.decided
    assert adopted.council_decided and adopted.paper_number == "095/2019"
    draft = FrameworkVersion.objects.get(municipality=world.town, number=3)
    assert draft.council_decision is None and draft.decision_date is None
    columns = [c.name for c in connection.introspection.get_table_description(
        connection.cursor(), "concepts_frameworkversion")]  # fmt: skip
    assert "decision_body" not in columns and "paper_number" not in columns
