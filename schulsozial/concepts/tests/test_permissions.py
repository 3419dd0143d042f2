"""The predicates of concepts.permissions as a matrix of roles × actions."""

from __future__ import annotations

import pytest

from schulsozial.concepts import permissions as perms
from schulsozial.concepts.tests.factories import concept_world

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "carrier", "worker", "worker2", "principal", "committee", "admin"]


def allowed(world, check) -> set[str]:
    return {name for name in ROLES if check(world.users[name])}


def test_concept_predicates_per_role(world):
    cw = concept_world(world)
    school, concept = world.schools[0], cw.concept
    table = {
        "use concepts": (
            lambda u: perms.can_use_concepts(u),
            {"coordinator", "carrier", "worker", "worker2", "principal", "committee"},
        ),
        "use school concepts": (
            lambda u: perms.can_use_school_concepts(u),
            {"coordinator", "carrier", "worker", "worker2", "principal"},
        ),
        "overview": (lambda u: perms.can_view_concept_overview(u), {"coordinator"}),
        "edit draft framework": (
            lambda u: perms.can_edit_framework_version(u, cw.draft),
            {"coordinator"},
        ),
        "edit adopted framework": (
            lambda u: perms.can_edit_framework_version(u, cw.adopted),
            set(),
        ),
        "comment on draft": (
            lambda u: perms.can_comment_on_framework(u, cw.draft),
            {"worker", "principal"},
        ),
        "comment on adopted": (lambda u: perms.can_comment_on_framework(u, cw.adopted), set()),
        "answer comment": (lambda u: perms.can_answer_comment(u, cw.comment), {"coordinator"}),
        "convert idea": (lambda u: perms.can_convert_idea(u, cw.idea), {"coordinator"}),
        "draft school concept": (lambda u: perms.can_draft_school_concept(u, school), {"worker"}),
        "approve as principal": (
            lambda u: perms.can_approve_school_concept_as_principal(u, concept),
            {"principal"},
        ),
        "approve as carrier": (
            lambda u: perms.can_approve_school_concept_as_carrier(u, concept),
            {"carrier"},
        ),
        "acknowledge": (
            lambda u: perms.can_acknowledge_school_concept(u, concept),
            {"coordinator"},
        ),
        "request changes": (
            lambda u: perms.can_request_school_concept_changes(u, concept),
            {"coordinator", "carrier", "principal"},
        ),
        "revise": (
            lambda u: perms.can_revise_school_concept(u, concept),
            {"coordinator", "worker"},
        ),
        "yearly goals": (lambda u: perms.can_manage_yearly_goals(u, school), {"worker"}),
        "linked concepts": (
            lambda u: perms.can_manage_linked_concepts(u, world.town.pk),
            {"coordinator"},
        ),
    }
    for action, (check, expected) in table.items():
        assert allowed(world, check) == expected, action


def test_carrier_acts_only_on_schools_its_positions_serve(world):
    cw = concept_world(world)
    from schulsozial.testing.personas import make_user

    other = make_user("traeger-b", "carrier", carrier=world.other_carrier)  # serves school 2 only
    assert not perms.can_approve_school_concept_as_carrier(other, cw.concept)
    assert perms.carrier_serves_school(other, world.schools[2].pk)


def test_the_platform_passes_every_role_check_but_never_comments(world):
    from schulsozial.core.actors import SYSTEM

    cw = concept_world(world)
    school, concept = world.schools[0], cw.concept
    for check in (
        lambda: perms.can_manage_framework(SYSTEM, world.town.pk),
        lambda: perms.can_edit_framework_version(SYSTEM, cw.draft),
        lambda: perms.can_answer_comment(SYSTEM, cw.comment),
        lambda: perms.can_hand_in_idea(SYSTEM, world.town.pk),
        lambda: perms.can_convert_idea(SYSTEM, cw.idea),
        lambda: perms.can_manage_linked_concepts(SYSTEM, world.town.pk),
        lambda: perms.can_draft_school_concept(SYSTEM, school),
        lambda: perms.can_approve_school_concept_as_principal(SYSTEM, concept),
        lambda: perms.can_approve_school_concept_as_carrier(SYSTEM, concept),
        lambda: perms.can_acknowledge_school_concept(SYSTEM, concept),
        lambda: perms.can_revise_school_concept(SYSTEM, concept),
        lambda: perms.can_manage_yearly_goals(SYSTEM, school),
    ):
        assert check()
    assert not perms.can_comment_on_framework(SYSTEM, cw.draft)
    assert not perms.can_use_concepts(SYSTEM)  # no pages: SYSTEM never browses
    assert not perms.can_take_school_concept_step(SYSTEM, concept, "unknown")
