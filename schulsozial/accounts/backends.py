# SQL here is built from model table and column names only; values are parameters.
# ruff: noqa: S608
"""Authentication backend: the user of a request in one query.

Every request of a logged-in user needs the user (`get_user`), its role
assignments (permissions.grants) and, for social workers, its staff member
(`user.staff_member`). Django's ModelBackend reads the user alone, and the
other two followed as two more queries on every request. Here one query
reads the user joined with its staff member and its role assignments (one
row per assignment), with its SQL built once (core/statements.py): the ORM
spent more time compiling this join than the database spent running it.

Nothing is cached across requests: a deactivated user, a revoked role or a
changed staff link takes effect on the user's next request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from schulsozial.core.statements import Columns, fetch
from schulsozial.masterdata.models import StaffMember

from .models import RoleAssignment, User
from .permissions import Grant, remember_grants

_USER = Columns(User, "u")
_STAFF = Columns(StaffMember, "s")
_STAFF_OF_USER = User._meta.get_field("staff_member")
_SQL: dict[str, str] = {}


def _sql() -> str:
    sql = _SQL.get(connection.vendor)
    if sql is None:
        q = connection.ops.quote_name
        staff = StaffMember._meta
        grants = RoleAssignment._meta
        sql = _SQL[connection.vendor] = (
            f"SELECT {_USER.sql}, {_STAFF.sql}, g.{q('role')}, g.{q('municipality_id')}, "
            f"g.{q('carrier_id')}, g.{q('school_id')} "
            f"FROM {q(User._meta.db_table)} u "
            f"LEFT JOIN {q(staff.db_table)} s ON s.{q('user_id')} = u.{q('id')} "
            f"LEFT JOIN {q(grants.db_table)} g ON g.{q('user_id')} = u.{q('id')} "
            f"WHERE u.{q('id')} = %s ORDER BY g.{q('id')}"
        )
    return sql


class ModelBackendWithScope(ModelBackend):
    """ModelBackend (login, passwords, inactive users refused) whose `get_user`
    also loads the grants and the staff member of the user."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user_id = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        rows = fetch(_sql(), [user_id])
        if not rows:
            return None
        user = _USER.instance(rows[0])
        if not self.user_can_authenticate(user):
            return None
        staff = _STAFF.instance(rows[0], len(_USER))
        _STAFF_OF_USER.set_cached_value(user, staff)
        if staff is not None:
            StaffMember._meta.get_field("user").set_cached_value(staff, user)
        at = len(_USER) + len(_STAFF)
        remember_grants(user, (Grant(*row[at : at + 4]) for row in rows if row[at] is not None))
        return user
