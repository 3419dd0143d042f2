"""Every write to concepts. Keyword-only, atomic, audited once per write.

Each service receives the actor (`by`: a user, or `SYSTEM` for the demo and
commands), asks concepts.permissions whether that actor may act (a refusal is
PermissionDenied) and checks the object's state (InvalidTransitionError, a
ValidationError with a readable message):

- framework: versions, sections, standards and their lifecycle;
- participation: consultation comments, ideas, linked concepts;
- school_concepts: the school concept and its approval steps (concepts.workflow);
- goals: yearly goals.
"""

from __future__ import annotations

from .base import EditConflictError, InvalidTransitionError, locked_update
from .framework import (
    DEFAULT_REQUIRED_FOR_SCHOOL,
    framework_adopt,
    framework_close_consultation,
    framework_create,
    framework_new_version,
    framework_open_consultation,
    framework_section_add,
    framework_section_remove,
    framework_section_update,
    framework_set_transition,
    framework_start,
    standard_add,
    standard_remove,
    standard_update,
)
from .goals import yearly_goal_create, yearly_goal_review, yearly_goal_update
from .participation import (
    comment_answer,
    comment_create,
    idea_convert,
    idea_create,
    linked_concept_create,
    linked_concept_update,
)
from .school_concepts import (
    APPROVAL_FIELDS,
    TRANSITION_SERVICES,
    implementation_update,
    school_concept_acknowledge,
    school_concept_approve_as_carrier,
    school_concept_approve_as_principal,
    school_concept_create,
    school_concept_rebase,
    school_concept_reopen,
    school_concept_request_changes,
    school_concept_set_review_interval,
    school_concept_submit,
    school_concept_transition,
    school_section_update,
)

__all__ = [
    "APPROVAL_FIELDS",
    "DEFAULT_REQUIRED_FOR_SCHOOL",
    "TRANSITION_SERVICES",
    "EditConflictError",
    "InvalidTransitionError",
    "comment_answer",
    "comment_create",
    "framework_adopt",
    "framework_close_consultation",
    "framework_create",
    "framework_new_version",
    "framework_open_consultation",
    "framework_section_add",
    "framework_section_remove",
    "framework_section_update",
    "framework_set_transition",
    "framework_start",
    "idea_convert",
    "idea_create",
    "implementation_update",
    "linked_concept_create",
    "linked_concept_update",
    "locked_update",
    "school_concept_acknowledge",
    "school_concept_approve_as_carrier",
    "school_concept_approve_as_principal",
    "school_concept_create",
    "school_concept_rebase",
    "school_concept_reopen",
    "school_concept_request_changes",
    "school_concept_set_review_interval",
    "school_concept_submit",
    "school_concept_transition",
    "school_section_update",
    "standard_add",
    "standard_remove",
    "standard_update",
    "yearly_goal_create",
    "yearly_goal_review",
    "yearly_goal_update",
]
