"""Concept pages. Views load through selectors (404 outside the scope), ask
concepts.permissions (403) and call one service. One module per part:
overview, framework, consultation, ideas, linked concepts, school
concepts, goals; common holds what they share."""

from __future__ import annotations

from .common import object_url
from .consultation import (
    CommentAnswer,
    CommentCreate,
    CommentList,
    ConsultationOpen,
    FrameworkAdopt,
    TransitionUpdate,
    consultation_close,
)
from .framework import (
    FrameworkCreate,
    FrameworkList,
    SectionAdd,
    SectionUpdate,
    StandardCreate,
    StandardUpdate,
    framework_compare,
    framework_detail,
    framework_export,
    framework_new_version,
    framework_synopsis,
    section_remove,
    standard_remove,
)
from .goals import GoalCreate, GoalList, GoalReview, GoalUpdate
from .ideas import IdeaConvert, IdeaCreate, IdeaList
from .linked import LinkedCreate, LinkedList, LinkedUpdate, linked_file
from .overview import Overview, ReviewList
from .school_concepts import (
    ImplementationUpdate,
    ReviewIntervalUpdate,
    SchoolConceptList,
    SchoolSectionUpdate,
    school_concept_create,
    school_concept_detail,
    school_concept_export,
    school_concept_transition,
)

__all__ = [
    "CommentAnswer",
    "CommentCreate",
    "CommentList",
    "ConsultationOpen",
    "FrameworkAdopt",
    "FrameworkCreate",
    "FrameworkList",
    "GoalCreate",
    "GoalList",
    "GoalReview",
    "GoalUpdate",
    "IdeaConvert",
    "IdeaCreate",
    "IdeaList",
    "ImplementationUpdate",
    "LinkedCreate",
    "LinkedList",
    "LinkedUpdate",
    "Overview",
    "ReviewIntervalUpdate",
    "ReviewList",
    "SchoolConceptList",
    "SchoolSectionUpdate",
    "SectionAdd",
    "SectionUpdate",
    "StandardCreate",
    "StandardUpdate",
    "TransitionUpdate",
    "consultation_close",
    "framework_compare",
    "framework_detail",
    "framework_export",
    "framework_new_version",
    "framework_synopsis",
    "linked_file",
    "object_url",
    "school_concept_create",
    "school_concept_detail",
    "school_concept_export",
    "school_concept_transition",
    "section_remove",
    "standard_remove",
]
