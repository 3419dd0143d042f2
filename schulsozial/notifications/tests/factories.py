"""Notification test set-ups on top of the shared world and the concepts' factories."""

from __future__ import annotations

from typing import Any

from schulsozial.accounts.models import Role, User
from schulsozial.concepts import services as concept_services
from schulsozial.concepts.models import SchoolConcept
from schulsozial.concepts.tests.factories import adopted_framework, fill_concept
from schulsozial.notifications.models import Notification
from schulsozial.testing.personas import make_user


def with_emails(world: Any) -> None:
    for name, user in world.users.items():
        user.email = f"{name}@example.org"
        user.save(update_fields=["email"])


def ready_concept(world: Any) -> SchoolConcept:
    """The concept of school 0, filled by its social worker, not submitted;
    the notifications of the set-up (the framework's consultation) removed."""
    worker = world.users["worker"]
    adopted_framework(world.town)
    concept = concept_services.school_concept_create(school=world.schools[0], by=worker)
    fill_concept(concept, worker)
    Notification.objects.all().delete()
    return concept


def submitted_concept(world: Any, *, comment: str = "Bitte um Freigabe.") -> SchoolConcept:
    """The concept of school 0, filled and submitted by its social worker."""
    concept = ready_concept(world)
    return concept_services.school_concept_submit(
        concept=concept, by=world.users["worker"], comment=comment
    )


def foreign_principal_and_concept(world: Any) -> tuple[User, SchoolConcept]:
    """A principal and a worker at the neighbouring town's school, and that
    school's concept, submitted."""
    principal = make_user("schulleitung-nachbar", Role.PRINCIPAL, school=world.other_school)
    worker = make_user("fachkraft-nachbar", Role.WORKER, school=world.other_school)
    adopted_framework(world.other_town, title="Rahmenkonzept Nachbarstadt")
    concept = concept_services.school_concept_create(school=world.other_school, by=worker)
    fill_concept(concept, worker)
    concept = concept_services.school_concept_submit(concept=concept, by=worker)
    return principal, concept
