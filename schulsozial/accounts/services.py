"""Writes to users and role assignments.

Every write names its actor (`by`): a user, held to the rules of
permissions.py (can_manage_users, can_assign_role, can_remove_role,
can_manage_account), so no view can forget them (security review F-01,
F-03); or `SYSTEM` (management commands, the demo, the single sign-on role
mapping), which those rules allow. No actor (`None`) is refused.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schulsozial.core.actors import SystemActor
from schulsozial.core.audit import Action, audit, diff_fields
from schulsozial.core.services import model_create

from . import permissions as perms
from .models import Role, RoleAssignment, User

Actor = User | SystemActor


def _account_municipalities(user: User) -> list[int | None]:
    """Where an account-wide entry belongs: each municipality of the user's
    roles (so every administrator concerned finds it in its log), or the
    global log only when the user has no municipal role."""
    found = sorted(
        {a.municipality_id for a in user.role_assignments.all() if a.municipality_id is not None}
    )
    return list(found) or [None]


def _audit_account(
    *, user: User, by: Actor, changes: dict[str, Any], ip: str | None = None
) -> None:
    for municipality_id in _account_municipalities(user):
        audit(
            actor=by,
            action=Action.UPDATE,
            obj=user,
            municipality_id=municipality_id,
            changes=changes,
            ip_address=ip,
        )


@transaction.atomic
def user_create(
    *,
    username: str,
    display_name: str,
    password: str,
    by: Actor,
    email: str = "",
    role: str | None = None,
    municipality: Any = None,
    carrier: Any = None,
    school: Any = None,
) -> User:
    """Create an account with an initial password the user must change at
    the first login. A municipal administrator must give the first role in
    its municipality in the same step: otherwise the account would be outside
    its scope at once (not in its list, its page a 404)."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    if not perms.can_manage_users(by):
        raise ValidationError(_("You may not create users."))
    if not role and perms.administered_municipality_ids(by) is not None:
        raise ValidationError(
            {
                "role": _(
                    "Give the new user a role in your municipality: without one it is not yours."
                )
            }
        )
    user = User(username=username, display_name=display_name, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.full_clean()
    user.save()
    assignment = None
    if role:
        assignment = role_assign(
            user=user,
            role=role,
            by=by,
            municipality=municipality,
            carrier=carrier,
            school=school,
        )
    audit(
        actor=by,
        action=Action.CREATE,
        obj=user,
        municipality_id=assignment.municipality_id if assignment else None,
        changes={"username": username, "email": email},
    )
    return user


def _scope_of(
    role: str, municipality: Any, carrier: Any, school: Any
) -> tuple[Any, Any, Any, dict[str, str]]:
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
    return municipality, carrier, school, errors


@transaction.atomic
def role_assign(
    *,
    user: User,
    role: str,
    by: Actor,
    municipality: Any = None,
    carrier: Any = None,
    school: Any = None,
) -> RoleAssignment:
    """Give `user` a role with its scope; the scope must fit the role, and an
    administrator as actor must be allowed to give it (can_assign_role)."""
    municipality, carrier, school, errors = _scope_of(role, municipality, carrier, school)
    if errors:
        raise ValidationError(errors)
    if not perms.can_assign_role(by, role, municipality, carrier, school):
        if role == Role.ADMINISTRATION and municipality is None:
            raise ValidationError(
                {
                    "municipality": _(
                        "Only a global administrator gives a role for all municipalities."
                    )
                }
            )
        fields: dict[str, str] = {
            Role.CARRIER: "carrier",
            Role.WORKER: "school",
            Role.PRINCIPAL: "school",
        }
        field = fields.get(role, "municipality")
        raise ValidationError(
            {field: _("You may give roles only in the municipalities you administer.")}
        )
    duplicate = RoleAssignment.objects.filter(
        user=user, role=role, municipality=municipality, carrier=carrier, school=school
    ).exists()
    if duplicate:
        raise ValidationError(_("The user has this role with this scope already."))
    return model_create(
        model=RoleAssignment,
        data={
            "user": user,
            "role": role,
            "municipality": municipality,
            "carrier": carrier,
            "school": school,
        },
        by=by,
        municipality_id=municipality.pk if municipality else None,
        changes={
            "user": user.username,
            "role": role,
            "scope": str(school or carrier or municipality or "*"),
        },
    )


@transaction.atomic
def role_remove(*, assignment: RoleAssignment, by: Actor) -> None:
    if not perms.can_remove_role(by, assignment):
        if perms.removes_own_administration(by, assignment):
            raise ValidationError(
                _("You cannot remove your own administration role: another administrator must.")
            )
        in_scope = perms.role_assignments_visible_q(by)
        if RoleAssignment.objects.filter(in_scope, pk=assignment.pk).exists():
            raise ValidationError(
                _(
                    "This is the account's last role: without one it would be lost to your "
                    "administration. To end the access, deactivate the account instead, or give "
                    "it another role first."
                )
            )
        raise ValidationError(_("You may remove roles only in the municipalities you administer."))
    audit(
        actor=by,
        action=Action.DELETE,
        obj=assignment,
        municipality_id=assignment.municipality_id,
        changes={"user": assignment.user.username, "role": assignment.role},
    )
    assignment.delete()


@transaction.atomic
def user_update(*, user: User, by: Actor, display_name: str, email: str) -> User:
    """Display name and e-mail address. The address receives reset links, so
    only an administrator of every municipality of the account changes it."""
    _check_account(user, by)
    changes = diff_fields(user, {"display_name": display_name, "email": email})
    if not changes:
        return user
    user.display_name, user.email = display_name, email
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=["display_name", "email"])
    _audit_account(user=user, by=by, changes=changes)
    return user


def _new_session_token(user: User) -> None:
    user.session_token = secrets.token_hex(16)


def _check_account(user: User, by: Actor) -> None:
    if not perms.can_manage_account(by, user):
        raise ValidationError(
            _("Only an administrator of every municipality of this account may change it.")
        )


@transaction.atomic
def user_set_active(*, user: User, active: bool, by: Actor, ip: str | None = None) -> User:
    """Deactivate (no login, every session ends) or reactivate an account."""
    _check_account(user, by)
    if user.is_active == active:
        return user
    user.is_active = active
    _new_session_token(user)
    user.save(update_fields=["is_active", "session_token"])
    _audit_account(user=user, by=by, changes={"is_active": [not active, active]}, ip=ip)
    return user


@transaction.atomic
def password_set_by_admin(*, user: User, password: str, by: Actor, ip: str | None = None) -> User:
    """An administrator chooses a new password: the user must change it at
    the next login, and every session of the account ends."""
    _check_account(user, by)
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    _new_session_token(user)
    user.save(update_fields=["password", "must_change_password", "session_token"])
    _audit_account(user=user, by=by, changes={"password": "set by administrator"}, ip=ip)
    return user


@transaction.atomic
def password_changed(*, user: User, by: Actor, how: str, ip: str | None = None) -> None:
    """After the user's own change or a reset by e-mail (the password is
    already set by Django's form): the forced change is done, other sessions
    end (the password hash is part of the session hash)."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.must_change_password = False
    _audit_account(user=user, by=by, changes={"password": how}, ip=ip)


@transaction.atomic
def logout_everywhere(*, user: User, ip: str | None = None) -> None:
    """End every session of `user`, this one included."""
    _new_session_token(user)
    User.objects.filter(pk=user.pk).update(session_token=user.session_token)
    _audit_account(user=user, by=user, changes={"sessions": "ended everywhere"}, ip=ip)


@transaction.atomic
def user_unlock(*, user: User, by: Actor, ip: str | None = None) -> int:
    """Lift a lock-out of the user's name before its time (django-axes'
    attempts for the name are deleted). Any administrator who sees the
    account may do it: it gives no access, it only ends a wait."""
    from axes.utils import reset

    if not perms.can_unlock_account(by, user):
        raise ValidationError(_("You may not change this account."))
    removed = int(reset(username=user.username))
    _audit_account(user=user, by=by, changes={"lockout": "lifted"}, ip=ip)
    return removed
