from __future__ import annotations

from typing import Any

from axes import helpers as axes_helpers
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.net import client_ip
from schulsozial.core.views import ServiceFormView

from . import lockout, selectors, services
from . import permissions as perms
from .forms import RoleAssignmentForm, SetPasswordByAdminForm, UserCreateForm, UserUpdateForm
from .models import RoleAssignment, User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def locked_out(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    """django-axes' answer to a locked user name or address
    (AXES_LOCKOUT_CALLABLE): a German page, status 429."""
    cooloff = axes_helpers.get_cool_off(request)
    minutes = int(cooloff.total_seconds() // 60) if cooloff else 0
    by_address = lockout.lock_reason(request, credentials) == lockout.ADDRESS
    limit = (
        settings.AXES_ADDRESS_FAILURE_LIMIT
        if by_address
        else axes_helpers.get_failure_limit(request, credentials)
    )
    return render(
        request,
        "accounts/locked_out.html",
        {"failure_limit": limit, "cooloff_minutes": minutes, "by_address": by_address},
        status=429,
    )


# --------------------------------------------------------------------------- own account


@login_required
def own_account(request: HttpRequest) -> HttpResponse:
    """The user's own page: password change and log-out everywhere."""
    return render(
        request,
        "accounts/own_account.html",
        {"object": request.user, "idle_minutes": settings.SESSION_IDLE_TIMEOUT},
    )


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    services.logout_everywhere(user=_actor(request), ip=client_ip(request))
    logout(request)
    messages.success(request, _("You were logged out on every device."))
    return HttpResponseRedirect(reverse("accounts:login"))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; also ends the forced change (the flag set
    when an administrator chose the password)."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # saves and keeps this session
        services.password_changed(
            user=form.user, by=form.user, how="changed by the user", ip=client_ip(self.request)
        )
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(
            user=form.user, by=form.user, how="reset by e-mail", ip=client_ip(self.request)
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# --------------------------------------------------------------------------- administration


def _actor(request: HttpRequest) -> User:
    """The logged-in user acting on these pages (they all require a login)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _account(obj: Model | None) -> User:
    """The account a form view loaded through `users_visible_to` (404 outside)."""
    if not isinstance(obj, User):
        raise Http404
    return obj


def role_label(assignment: RoleAssignment) -> str:
    """A role with its scope, without the user's name: "Fachkraft (Galileo-Schule)"."""
    target = (
        assignment.school
        or assignment.carrier
        or assignment.municipality
        or _("all municipalities")
    )
    return f"{assignment.get_role_display()} ({target})"


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
            "roles",
            _("roles"),
            value=lambda o: ", ".join(role_label(a) for a in o.role_assignments.all()),
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
        # Only the roles this administrator administers (F-03).
        roles = selectors.visible_role_assignments(viewer=self.request.user)
        return selectors.users_visible_to(user=self.request.user).prefetch_related(
            Prefetch("role_assignments", queryset=roles)
        )

    def can_create(self) -> bool:
        return perms.can_manage_users(self.request.user)


def _scope_kwargs(user: Any) -> dict[str, Any]:
    """The choices of a role form: the administered municipalities only."""
    municipalities = selectors.administered_municipalities(user=user)
    return {
        "municipalities": municipalities,
        "carriers": selectors.carriers_in(municipalities),
        "schools": selectors.schools_in(municipalities),
        "may_give_global": perms.administered_municipality_ids(user) is None,
    }


class UserCreate(ServiceFormView):
    form_class = UserCreateForm
    title = _("New user")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_manage_users(self.request.user)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return _scope_kwargs(self.request.user)

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.user_create(by=_actor(self.request), **form.cleaned_data)

    def success_url(self, obj: Model) -> str:
        return reverse("accounts:user_detail", args=[obj.pk])


def _subject(request: HttpRequest, pk: int) -> User:
    require(perms.can_manage_users(request.user))
    return get_object_or_404(selectors.users_visible_to(user=request.user), pk=pk)


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _subject(request, pk)
    assignments = list(selectors.role_assignments_of(subject=subject, viewer=request.user))
    return render(
        request,
        "accounts/user_detail.html",
        {
            "object": subject,
            "assignments": assignments,
            # Each with its label and whether a Remove button may show.
            "roles": [
                (a, role_label(a), perms.can_remove_role(request.user, a)) for a in assignments
            ],
            "can_manage_account": perms.can_manage_account(request.user, subject),
            "locked_out": selectors.is_locked_out(username=subject.username),
        },
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
        return _scope_kwargs(self.request.user)

    def save(self, form: Any, obj: Model | None) -> Model:
        subject = _account(obj)
        services.role_assign(user=subject, by=_actor(self.request), **form.cleaned_data)
        return subject

    def success_url(self, obj: Model) -> str:
        return reverse("accounts:user_detail", args=[obj.pk])


@login_required
@require_POST
def role_remove(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    subject = _subject(request, pk)
    assignment = get_object_or_404(
        selectors.role_assignments_of(subject=subject, viewer=request.user), pk=role_pk
    )
    try:
        services.role_remove(assignment=assignment, by=_actor(request))
    except ValidationError as refused:
        for text in refused.messages:
            messages.error(request, text)
    else:
        if not selectors.users_visible_to(user=request.user).filter(pk=subject.pk).exists():
            # Its remaining roles are elsewhere: the page would be a 404 now.
            messages.success(
                request,
                _(
                    "The role was removed. %(user)s has no role left in your municipality "
                    "and is no longer in your list."
                )
                % {"user": subject.username},
            )
            return HttpResponseRedirect(reverse("accounts:user_list"))
        messages.success(request, _("The role was removed."))
    return HttpResponseRedirect(reverse("accounts:user_detail", args=[subject.pk]))


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    subject = _subject(request, pk)
    require(perms.can_manage_account(request.user, subject))
    services.user_set_active(user=subject, active=active, by=_actor(request), ip=client_ip(request))
    if active:
        messages.success(request, _("The user was reactivated."))
    else:
        messages.success(request, _("The user was deactivated: no login, every session ended."))
    return HttpResponseRedirect(reverse("accounts:user_detail", args=[subject.pk]))


class UserUpdate(ServiceFormView):
    form_class = UserUpdateForm
    title = _("Edit user")

    def load(self) -> Model | None:
        return get_object_or_404(
            selectors.users_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_manage_account(self.request.user, obj)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        subject = _account(obj)
        return {"initial": {"display_name": subject.display_name, "email": subject.email}}

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.user_update(
            user=_account(obj), by=_actor(self.request), **form.cleaned_data
        )

    def success_url(self, obj: Model) -> str:
        return reverse("accounts:user_detail", args=[obj.pk])


@login_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _subject(request, pk)
    services.user_unlock(user=subject, by=_actor(request), ip=client_ip(request))
    messages.success(request, _("The lock was lifted: the user can log in again."))
    return HttpResponseRedirect(reverse("accounts:user_detail", args=[subject.pk]))


class PasswordSetByAdmin(ServiceFormView):
    form_class = SetPasswordByAdminForm
    title = _("Set a new password")
    success_message = _("The password was set. The user must change it at the next login.")

    def load(self) -> Model | None:
        return get_object_or_404(
            selectors.users_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_manage_account(self.request.user, obj)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"user": obj}

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.password_set_by_admin(
            user=_account(obj),
            password=form.cleaned_data["new_password1"],
            by=_actor(self.request),
            ip=client_ip(self.request),
        )

    def success_url(self, obj: Model) -> str:
        return reverse("accounts:user_detail", args=[obj.pk])
