"""Writes to users and role assignments."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit

from .models import Role, RoleAssignment, User


@transaction.atomic
def user_create(*, username: str, display_name: str, password: str, by: Any) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    user = User(username=username, display_name=display_name)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit(actor=by, action=Action.CREATE, obj=user, changes={"username": username})
    return user


@transaction.atomic
def role_assign(
    *,
    user: User,
    role: str,
    by: Any,
    municipality: Any = None,
    carrier: Any = None,
    school: Any = None,
) -> RoleAssignment:
    """Give `user` a role with its scope; the scope must fit the role."""
    errors: dict[str, str] = {}
    if role == Role.CARRIER:
        if carrier is None:
            errors["carrier"] = _("A carrier role needs a carrier.")
        else:
            municipality = carrier.municipality
        school = None
    elif role in (Role.WORKER, Role.PRINCIPAL):
        if school is None:
            errors["school"] = _("This role needs a school.")
        else:
            municipality = school.municipality
        carrier = None
    else:
        carrier = school = None
        if role in (Role.COORDINATION, Role.COMMITTEE) and municipality is None:
            errors["municipality"] = _("This role needs a municipality.")
    if errors:
        raise ValidationError(errors)
    duplicate = RoleAssignment.objects.filter(
        user=user, role=role, municipality=municipality, carrier=carrier, school=school
    ).exists()
    if duplicate:
        raise ValidationError(_("The user has this role with this scope already."))
    assignment = RoleAssignment(
        user=user, role=role, municipality=municipality, carrier=carrier, school=school
    )
    assignment.full_clean()
    assignment.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=assignment,
        municipality_id=municipality.pk if municipality else None,
        changes={
            "user": user.username,
            "role": role,
            "scope": str(school or carrier or municipality or "*"),
        },
    )
    return assignment


@transaction.atomic
def role_remove(*, assignment: RoleAssignment, by: Any) -> None:
    audit(
        actor=by,
        action=Action.DELETE,
        obj=assignment,
        municipality_id=assignment.municipality_id,
        changes={"user": assignment.user.username, "role": assignment.role},
    )
    assignment.delete()
