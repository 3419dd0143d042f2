"""What the master-data pages share: links, the FTE display, and the two
form-view bases (create in one of the user's municipalities, edit an object
loaded through its selector)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from schulsozial.core.views import ServiceFormView

from .. import permissions as perms
from .. import selectors

M = TypeVar("M", bound=Model)


def object_url(name: str, obj: Model) -> str:
    """The page `masterdata:<name>` of `obj`."""
    return reverse(f"masterdata:{name}", args=[obj.pk])


def fte(value: Any) -> Decimal | None:
    """FTE rounded for display (two places)."""
    return Decimal(value).quantize(Decimal("0.01")) if value is not None else None


def owner_id(request: HttpRequest) -> int:
    """The signed-in user's id (the views calling this require a login)."""
    user_id: int | None = request.user.pk
    if user_id is None:  # pragma: no cover - login_required runs first
        raise PermissionDenied
    return user_id


class CreateInMunicipality(ServiceFormView, Generic[M]):
    """Create form for coordination: the municipality is one of theirs.

    Subclasses set `create` (the service) and `detail_name` (the page to go to).
    """

    create: Callable[..., M]
    detail_name: str

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"municipalities": selectors.coordinated_municipalities(user=self.request.user)}

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_create_in_municipality(self.request.user)

    def save(self, form: Any, obj: Model | None) -> M:
        data = dict(form.cleaned_data)
        return self.create(municipality=data.pop("in_municipality"), by=self.request.user, **data)

    def success_url(self, obj: Model) -> str:
        return object_url(self.detail_name, obj)


class ScopedUpdate(ServiceFormView, Generic[M]):
    """Edit form: load through the selector (404), check the permission (403),
    save through the service, back to the detail page.

    Subclasses set `visible` (the selector), `may_edit` (the permission),
    `detail_name`, and either `update` with `object_kwarg` (the service and
    its keyword for the object) or their own `save`.
    """

    visible: Callable[..., QuerySet[M]]
    may_edit: Callable[[Any, M], bool]
    update: Callable[..., M]
    object_kwarg: str
    detail_name: str

    def load(self) -> M:
        self.object: M = get_object_or_404(
            self.visible(user=self.request.user), pk=self.kwargs["pk"]
        )
        return self.object

    def allowed(self, obj: Model | None) -> bool:
        return self.may_edit(self.request.user, self.object)

    def save(self, form: Any, obj: Model | None) -> M:
        return self.update(
            **{self.object_kwarg: self.object}, by=self.request.user, **form.cleaned_data
        )

    def success_url(self, obj: Model) -> str:
        return object_url(self.detail_name, obj)
