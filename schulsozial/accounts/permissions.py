"""The shared base of the permission rules, and the rules of accounts.

A user's role assignments become *grants* (role + scope): `grants`, `roles`,
`has_role`, `municipality_ids`, `carrier_ids`, `school_ids`,
`is_global_admin`, `coordinates`, and the scopes built on them:
`school_scope_q` (schools), `carrier_scope_q` (carriers) and
`carrier_serves_school`. Every app's `permissions.py` builds its rules on them
(masterdata, allocation, concepts, activities, statistics);
this module keeps those of accounts: users, role assignments, the audit log,
the two-factor policy and the single sign-on mappings. Two kinds of rule:

* visibility: ``*_visible_q(user)`` returns the Q filter that a selector must
  apply, so every list, detail, export and form sees only rows inside the
  user's scopes (a row outside gives 404);
* actions: ``can_<verb>_<thing>(user, obj)`` predicates, checked by views
  after loading through a selector (a refused action gives 403), and by
  services for their actor.

The platform acting on its own (`SYSTEM`: the demo, management commands,
jobs) holds no grants; a rule that such a caller needs says so explicitly
(`acting_as_system`, or the decorator `system_may`). Nothing else in the
code base decides who may see or do what. This module imports no other
app, so that they can import it (`carrier_serves_school` looks the position
assignments up by name).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Concatenate, ParamSpec

from django.apps import apps
from django.db.models import Q

from schulsozial.core.actors import is_system

from .models import OIDCMappedRole, Role, User

NOTHING = Q(pk__in=[])

P = ParamSpec("P")


@dataclass(frozen=True)
class Grant:
    role: str
    municipality_id: int | None
    carrier_id: int | None
    school_id: int | None


def grants(user: Any) -> tuple[Grant, ...]:
    """The user's grants, first assigned first, cached on the user object
    (which lives for one request). The request's user comes with its role
    assignments prefetched (accounts/backends.py); any other user costs one
    query here."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached: tuple[Grant, ...] | None = getattr(user, "_schulsozial_grants", None)
    if cached is None:
        assignments = sorted(user.role_assignments.all(), key=attrgetter("pk"))
        cached = tuple(
            Grant(a.role, a.municipality_id, a.carrier_id, a.school_id) for a in assignments
        )
        user._schulsozial_grants = cached
    return cached


def forget_grants(user: Any) -> None:
    """After the user's roles changed within the request (single sign-on
    mapping the provider's groups): the next `grants()` reads them anew."""
    user.__dict__.pop("_schulsozial_grants", None)
    getattr(user, "_prefetched_objects_cache", {}).pop("role_assignments", None)


def acting_as_system(user: Any) -> bool:
    """The platform itself acts (demo, management commands, jobs: `by=SYSTEM`).
    It holds no grants, so a rule built on grants alone answers no for it; a
    rule that commands need answers yes for it by asking this first."""
    return is_system(user)


def system_may(
    check: Callable[Concatenate[Any, P], bool],
) -> Callable[Concatenate[Any, P], bool]:
    """Decorator of an action rule: SYSTEM passes the role check `check`
    (the services' state checks still apply to it); persons are asked the
    rule."""

    def decide(user: Any, /, *args: P.args, **kwargs: P.kwargs) -> bool:
        return acting_as_system(user) or check(user, *args, **kwargs)

    decide.__name__ = check.__name__
    decide.__qualname__ = check.__qualname__
    decide.__doc__ = check.__doc__
    return decide


def roles(user: Any) -> set[str]:
    return {g.role for g in grants(user)}


def has_role(user: Any, *wanted: str) -> bool:
    return any(g.role in wanted for g in grants(user))


def municipality_ids(user: Any, *wanted: str) -> set[int]:
    return {g.municipality_id for g in grants(user) if g.role in wanted and g.municipality_id}


def carrier_ids(user: Any) -> set[int]:
    return {g.carrier_id for g in grants(user) if g.role == Role.CARRIER and g.carrier_id}


def school_ids(user: Any, *wanted: str) -> set[int]:
    return {g.school_id for g in grants(user) if g.role in wanted and g.school_id}


def is_global_admin(user: Any) -> bool:
    return any(g.role == Role.ADMINISTRATION and g.municipality_id is None for g in grants(user))


def coordinates(user: Any, municipality_id: int | None) -> bool:
    return municipality_id is not None and municipality_id in municipality_ids(
        user, Role.COORDINATION
    )


# Which schools a role reaches in `school_scope_q`, by the scope of its grant.
MUNICIPALITY_WIDE_ROLES = (Role.COORDINATION, Role.COMMITTEE)
OWN_SCHOOL_ROLES = (Role.WORKER, Role.PRINCIPAL)
SCHOOL_SCOPE_ROLES = (*MUNICIPALITY_WIDE_ROLES, Role.CARRIER, *OWN_SCHOOL_ROLES)


def school_scope_q(user: Any, *, roles: Collection[str], prefix: str = "") -> Q:
    """Filter for School: the schools `user` reaches through its grants of
    the given `roles`, each by the scope of its grant:

    * coordination, committee: every school of the municipality;
    * carrier: the schools its positions serve (a position assignment);
    * worker, principal: the own school.

    Each rule names the roles that count for it (there is no default, so that
    no rule widens by accident): a grant of a role not in `roles` adds no
    school. `prefix` filters a model that points at a school instead
    (``"school__"`` for a self-evaluation). Administration has no school
    scope, so naming it is an error; SYSTEM and anonymous users hold no
    grants and get no school. A school of a municipality the user holds no
    grant of these roles in is not included (a carrier reaches a school only
    through an assignment of one of its positions)."""
    return _grant_scope_q(
        user,
        roles,
        scope="school",
        allowed=SCHOOL_SCOPE_ROLES,
        municipality=f"{prefix}municipality_id",
        carrier=f"{prefix}assignments__position__carrier_id",
        own_school=f"{prefix}pk",
    )


# Which carriers a role reaches in `carrier_scope_q`, by the scope of its grant.
CARRIER_SCOPE_ROLES = (*MUNICIPALITY_WIDE_ROLES, Role.CARRIER)


def carrier_scope_q(user: Any, *, roles: Collection[str]) -> Q:
    """Filter for Carrier: the carriers `user` reaches through its grants of
    the given `roles`, each by the scope of its grant:

    * coordination, committee: every carrier of the municipality;
    * carrier: its own carriers (not the other carriers serving its schools).

    As in `school_scope_q`, each rule names the roles that count for it (no
    default); worker, principal and administration reach carriers only
    through their own rules, so naming them is an error. SYSTEM and anonymous
    users get no carrier."""
    return _grant_scope_q(
        user,
        roles,
        scope="carrier",
        allowed=CARRIER_SCOPE_ROLES,
        municipality="municipality_id",
        carrier="pk",
    )


def _grant_scope_q(
    user: Any,
    roles: Collection[str],
    *,
    scope: str,
    allowed: Collection[str],
    municipality: str,
    carrier: str,
    own_school: str | None = None,
) -> Q:
    """The union behind `school_scope_q` and `carrier_scope_q`: the rows
    whose `municipality` field is a municipality of the user's grants of the
    municipality-wide roles in `roles`, whose `carrier` field is one of its
    carriers (if `roles` names the carrier), and whose `own_school` field is
    its own school (worker, principal). A role outside `allowed` is an error."""
    unknown = {str(r) for r in roles} - {str(r) for r in allowed}
    if unknown:
        raise ValueError(f"no {scope} scope for the roles {sorted(unknown)}")
    query = NOTHING
    mun = municipality_ids(user, *(r for r in MUNICIPALITY_WIDE_ROLES if r in roles))
    if mun:
        query |= Q(**{f"{municipality}__in": mun})
    carriers = carrier_ids(user) if Role.CARRIER in roles else set()
    if carriers:
        query |= Q(**{f"{carrier}__in": carriers})
    own = school_ids(user, *(r for r in OWN_SCHOOL_ROLES if r in roles)) if own_school else set()
    if own:
        query |= Q(**{f"{own_school}__in": own})
    return query


def carrier_serves_school(user: Any, school_id: int) -> bool:
    """Whether one of `user`'s carriers serves the school: a position of the
    carrier is assigned to it (the carrier rows of `school_scope_q`). False
    without a carrier grant, for SYSTEM too (a rule that SYSTEM passes says
    so with `system_may`)."""
    carriers = carrier_ids(user)
    if not carriers:
        return False
    assignment = apps.get_model("masterdata", "PositionAssignment")
    return bool(
        assignment.objects.filter(school_id=school_id, position__carrier_id__in=carriers).exists()
    )


# --------------------------------------------------------------------------- visibility


def audit_visible_q(user: Any) -> Q:
    """A municipal administrator sees the entries filed under its
    municipalities, and the session events (login, logout, failed login) of
    every account holding a role there (a person in two municipalities is
    filed under the first; the other's administrator sees them too). Only a
    global administrator sees entries of no municipality."""
    if is_global_admin(user):
        return Q()
    mun = municipality_ids(user, Role.ADMINISTRATION)
    if not mun:
        return NOTHING
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from .models import RoleAssignment

    members = (
        RoleAssignment.objects.filter(municipality_id__in=mun)
        .annotate(key=Cast("user_id", output_field=CharField()))
        .values("key")
    )
    return Q(municipality_id__in=mun) | Q(
        action__in=["login", "logout", "login_failed"],
        object_type="accounts.user",
        object_id__in=members,
    )


def administered_municipality_ids(user: Any) -> set[int] | None:
    """The municipalities whose users and roles `user` administers: None
    means every municipality (a global administrator). A role of another
    kind in a municipality gives no administration there. SYSTEM (commands,
    the demo, the single sign-on role mapping) administers every one."""
    if acting_as_system(user) or is_global_admin(user):
        return None
    return municipality_ids(user, Role.ADMINISTRATION)


def administered_municipalities_q(user: Any) -> Q:
    """Filter for Municipality: where `user` may assign roles."""
    ids = administered_municipality_ids(user)
    if ids is None:
        return Q()
    return Q(pk__in=ids) if ids else NOTHING


def users_visible_q(user: Any) -> Q:
    """Administration sees the accounts that hold a role in its municipalities
    (a global administrator sees all)."""
    ids = administered_municipality_ids(user)
    if ids is None:
        return Q()
    return Q(role_assignments__municipality_id__in=ids) if ids else NOTHING


def role_assignments_visible_q(user: Any) -> Q:
    """The role assignments an administrator sees and may remove: those in
    its municipalities (F-03: a person with roles in two municipalities shows
    each administrator only its own municipality's roles). Global roles
    (no municipality) only to a global administrator."""
    ids = administered_municipality_ids(user)
    if ids is None:
        return Q()
    return Q(municipality_id__in=ids) if ids else NOTHING


# --------------------------------------------------------------------------- pages


def can_administer(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATION)


# --------------------------------------------------------------------------- actions


def can_manage_users(user: Any) -> bool:
    """Create accounts and give roles: administration, and SYSTEM."""
    return acting_as_system(user) or has_role(user, Role.ADMINISTRATION)


def can_assign_role(
    user: Any, role: str, municipality: Any, carrier: Any = None, school: Any = None
) -> bool:
    """May `user` give a role with this scope? A global administrator: any
    role, global ones included. A municipal administrator: only roles inside
    the municipalities it administers (the scope's municipality is the
    carrier's or school's for those roles), never a global (unscoped) role
    (security review F-01)."""
    ids = administered_municipality_ids(user)
    if ids is None:
        return can_manage_users(user)
    if role == Role.CARRIER:
        target = getattr(carrier, "municipality_id", None)
    elif role in (Role.WORKER, Role.PRINCIPAL):
        target = getattr(school, "municipality_id", None)
    else:
        target = getattr(municipality, "pk", None)
    return target is not None and target in ids


def removes_own_administration(user: Any, assignment: Any) -> bool:
    """An administrator removing its own administration role would lock
    itself out of this very page: another administrator must do it."""
    return (
        not acting_as_system(user)
        and assignment.role == Role.ADMINISTRATION
        and assignment.user_id == getattr(user, "pk", None)
    )


def removes_last_role(user: Any, assignment: Any) -> bool:
    """Whether a municipal administrator `user` would remove the account's
    last role: the account would then be in nobody's municipality, out of
    every municipal administrator's list, its page a 404 (a lost account,
    issue 13); deactivating it ends the access instead. A role elsewhere
    keeps it with that municipality's administration. A global administrator
    sees every account, so nothing is lost for it; nor is a role that a
    single sign-on group mapping gave: the provider's groups govern it (the
    next login maps them again), and deleting the mapping removes it."""
    if administered_municipality_ids(user) is None:
        return False
    if OIDCMappedRole.objects.filter(assignment_id=assignment.pk).exists():
        return False
    return not any(other.pk != assignment.pk for other in assignment.user.role_assignments.all())


def can_remove_role(user: Any, assignment: Any) -> bool:
    """A role inside the administered municipalities (a global role only for
    a global administrator), never the own administration role, and for a
    municipal administrator never the account's last role (deactivate the
    account instead)."""
    if not can_manage_users(user) or removes_own_administration(user, assignment):
        return False
    ids = administered_municipality_ids(user)
    if ids is None:
        return True
    in_scope = assignment.municipality_id is not None and assignment.municipality_id in ids
    return in_scope and not removes_last_role(user, assignment)


def can_manage_account(user: Any, subject: Any) -> bool:
    """Account-wide actions (deactivate, reactivate, set a password): every
    role of `subject` must lie in the municipalities `user` administers, so
    that no administrator takes over an account with rights elsewhere. A
    global administrator manages every account; nobody deactivates or
    resets its own account here (that is the own page's password change)."""
    if not can_manage_users(user) or subject.pk == user.pk:
        return False
    ids = administered_municipality_ids(user)
    if ids is None:
        return True
    held = [a.municipality_id for a in subject.role_assignments.all()]
    return bool(held) and all(m is not None and m in ids for m in held)


def can_unlock_account(user: Any, subject: Any) -> bool:
    """Lift a lock-out before its time: any administrator who sees the
    account (it gives no access, it only ends a wait), and SYSTEM."""
    if not can_manage_users(user):
        return False
    return User.objects.filter(users_visible_q(user), pk=subject.pk).exists()


def can_view_audit_log(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATION)


# --------------------------------------------------------------------------- two-factor login and single sign-on
# (accounts/twofactor.py, accounts/oidc.py)


def two_factor_policy_municipality_ids(user: Any) -> set[int] | None:
    """Where `user` may switch mandatory two-factor login on or off:
    coordination and administration of the municipality; None means every
    municipality (a global administrator)."""
    if is_global_admin(user):
        return None
    return municipality_ids(user, Role.COORDINATION, Role.ADMINISTRATION)


def can_set_two_factor_policy(user: Any, municipality: Any) -> bool:
    ids = two_factor_policy_municipality_ids(user)
    return ids is None or municipality.pk in ids


def oidc_mapping_municipality_ids(user: Any) -> set[int] | None:
    """Where `user` may map the provider's groups to roles: that
    municipality's administration (None: every municipality, a global
    administrator). Mapping gives roles, so it is administration's, as
    assigning roles is."""
    if is_global_admin(user):
        return None
    return municipality_ids(user, Role.ADMINISTRATION)


def can_manage_oidc_mappings(user: Any, municipality: Any) -> bool:
    ids = oidc_mapping_municipality_ids(user)
    return ids is None or municipality.pk in ids


def oidc_mappings_visible_q(user: Any) -> Q:
    ids = oidc_mapping_municipality_ids(user)
    if ids is None:
        return Q()
    return Q(municipality_id__in=ids) if ids else NOTHING
