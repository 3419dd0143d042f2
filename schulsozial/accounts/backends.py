"""Authentication backend: Django's ModelBackend, with the request's user
read together with what nearly every page asks of it.

The navigation and every permission check need the user's role assignments
(permissions.grants), and a social worker's pages its staff member
(`user.staff_member`). `get_user` reads the user with its staff member
(select_related) and its role assignments (prefetch_related): two queries
per request, instead of the three that would follow one by one.

Nothing is cached across requests: a deactivated user, a revoked role or a
changed staff link takes effect on the user's next request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .models import User


class ModelBackendWithScope(ModelBackend):
    """ModelBackend (login, passwords, inactive users refused) whose `get_user`
    also loads the role assignments and the staff member of the user."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user_id = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = (
            User.objects.select_related("staff_member")
            .prefetch_related("role_assignments")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
