from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import ServiceFormView
from schulsozial.masterdata.models import Carrier, Municipality, School

from . import permissions as perms
from . import selectors, services
from .forms import RoleAssignmentForm, UserCreateForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class UserList(TableView):
    title = _("Users")
    export_name = "users"
    columns = [
        Column(
            "username",
            _("user name"),
            sort="username",
            link=lambda o: reverse("accounts:user_detail", args=[o.pk]),
        ),
        Column("display_name", _("display name"), sort="display_name"),
        Column(
            "roles", _("roles"), value=lambda o: ", ".join(str(a) for a in o.role_assignments.all())
        ),
        Column("is_active", _("active")),
        Column("last_login", _("last login"), sort="last_login"),
    ]
    search_fields = ["username", "display_name"]
    default_sort = "username"
    create_url_name = "accounts:user_create"

    def check_access(self) -> None:
        require(perms.can_manage_users(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.users_visible_to(user=self.request.user).prefetch_related(
            "role_assignments__municipality",
            "role_assignments__carrier",
            "role_assignments__school",
        )

    def can_create(self) -> bool:
        return perms.can_manage_users(self.request.user)


class UserCreate(ServiceFormView):
    form_class = UserCreateForm
    title = _("New user")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_manage_users(self.request.user)

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.user_create(by=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Model) -> str:
        return reverse("accounts:user_detail", args=[obj.pk])


def _administered_municipalities(user: Any) -> QuerySet[Municipality]:
    return Municipality.objects.filter(perms.municipalities_visible_q(user))


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_manage_users(request.user))
    subject = get_object_or_404(selectors.users_visible_to(user=request.user), pk=pk)
    return render(
        request,
        "accounts/user_detail.html",
        {"object": subject, "assignments": selectors.role_assignments_of(subject=subject)},
    )


class RoleAssignmentCreate(ServiceFormView):
    form_class = RoleAssignmentForm
    title = _("Add a role")

    def load(self) -> Model | None:
        return get_object_or_404(
            selectors.users_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_manage_users(self.request.user)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        municipalities = _administered_municipalities(self.request.user)
        return {
            "municipalities": municipalities,
            "carriers": Carrier.objects.filter(municipality__in=municipalities),
            "schools": School.objects.filter(municipality__in=municipalities),
        }

    def save(self, form: Any, obj: Model | None) -> Model:
        services.role_assign(user=obj, by=self.request.user, **form.cleaned_data)
        return obj  # type: ignore[return-value]

    def success_url(self, obj: Model) -> str:
        return reverse("accounts:user_detail", args=[obj.pk])


@login_required
@require_POST
def role_remove(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    require(perms.can_manage_users(request.user))
    subject = get_object_or_404(selectors.users_visible_to(user=request.user), pk=pk)
    assignment = get_object_or_404(selectors.role_assignments_of(subject=subject), pk=role_pk)
    services.role_remove(assignment=assignment, by=request.user)
    messages.success(request, _("The role was removed."))
    return HttpResponseRedirect(reverse("accounts:user_detail", args=[subject.pk]))


class AuditList(TableView):
    title = _("Audit log")
    export_name = "audit_log"
    columns = [
        Column("at", _("time"), sort="at"),
        Column("actor_label", _("user name"), sort="actor_label"),
        Column("action", _("action"), value=lambda o: o.get_action_display(), sort="action"),
        Column("object_type", _("object type"), sort="object_type"),
        Column("object_repr", _("object")),
        Column("changes", _("details"), value=lambda o: o.changes),
        Column("ip_address", _("IP address")),
    ]
    search_fields = ["actor_label", "object_repr", "object_type"]
    default_sort = "-at"

    def check_access(self) -> None:
        require(perms.can_view_audit_log(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.audit_entries_visible_to(user=self.request.user)
