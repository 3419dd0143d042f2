"""Pages of two-factor login: status, setup, verification after the password,
recovery codes, switching off, and the municipality's switch
(the rules and services are in accounts/twofactor.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from schulsozial.core.listing import require
from schulsozial.core.views import apply_validation_error

from . import permissions as perms
from . import selectors, twofactor


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits shown by the app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class SetupForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=10,
        help_text=_("The six digits the app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_("Current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    token = CodeForm.base_fields["token"]


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("dashboard:home")


@login_required
def status(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/twofactor/status.html",
        {
            "device": twofactor.totp_device(user),
            "codes_left": twofactor.recovery_codes_left(user),
            "required": twofactor.required_for(user),
            "can_set_policy": perms.two_factor_policy_municipality_ids(user) != set(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), confirm with a code. Only while no
    app is set up: replacing one needs switching it off first (with the
    password and a code), so a password alone never moves the second factor."""
    user = request.user
    if twofactor.totp_device(user) is not None:
        twofactor.refresh(request, user)  # the session may not know the device yet
        messages.info(request, _("Two-factor login is set up already."))
        return HttpResponseRedirect(reverse("accounts:twofactor"))
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.setup_confirm(
                request=request, user=user, token=form.cleaned_data["token"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Two-factor login is on."))
            return render(
                request,
                "accounts/twofactor/recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
    key = twofactor.secret_for_setup(request)
    return render(
        request,
        "accounts/twofactor/setup.html",
        {
            "form": form,
            "qr_svg": twofactor.qr_svg(twofactor.provisioning_uri(user, key)),
            "secret": twofactor.base32_secret(key),
            "required": twofactor.required_for(user),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step after the password."""
    user = request.user
    if twofactor.is_verified(user):
        return HttpResponseRedirect(_next_url(request))
    if twofactor.totp_device(user) is None:
        twofactor.refresh(request, user)  # removed meanwhile (by an administrator)
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(request=request, user=user, token=form.cleaned_data["token"]):
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("The code is not correct or was used already."))
    return render(
        request,
        "accounts/twofactor/verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def disable(request: HttpRequest) -> HttpResponse:
    user = request.user
    if twofactor.totp_device(user) is None:
        return HttpResponseRedirect(reverse("accounts:twofactor"))
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.disable(request=request, user=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Two-factor login is off."))
            return HttpResponseRedirect(reverse("accounts:twofactor"))
    return render(
        request,
        "accounts/twofactor/reauth.html",
        {
            "form": form,
            "title": _("Switch two-factor login off"),
            "explanation": _(
                "Confirm with your current password and a code from the app or a recovery code."
            ),
            "button": _("Switch off"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery(request: HttpRequest) -> HttpResponse:
    user = request.user
    if twofactor.totp_device(user) is None:
        return HttpResponseRedirect(reverse("accounts:twofactor"))
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.renew_recovery_codes(request=request, user=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return render(
                request,
                "accounts/twofactor/recovery_codes.html",
                {"codes": codes, "next": reverse("accounts:twofactor")},
            )
    return render(
        request,
        "accounts/twofactor/reauth.html",
        {
            "form": form,
            "title": _("New recovery codes"),
            "explanation": _(
                "Ten new codes replace the old ones. Confirm with your current password "
                "and a code from the app."
            ),
            "button": _("Create new recovery codes"),
        },
    )


def _policy_municipalities(user: Any) -> Any:
    return selectors.municipalities_among(perms.two_factor_policy_municipality_ids(user))


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    """The switch "two-factor login mandatory for coordination and
    administration", per municipality the user coordinates or administers."""
    user = request.user
    require(perms.two_factor_policy_municipality_ids(user) != set())
    municipalities = _policy_municipalities(user)
    if request.method == "POST":
        municipality = get_object_or_404(municipalities, pk=request.POST.get("municipality") or 0)
        required = request.POST.get("required") == "1"
        twofactor.policy_set(municipality=municipality, required=required, by=user)
        messages.success(
            request,
            _("Two-factor login is now mandatory in %(name)s.") % {"name": municipality.name}
            if required
            else _("Two-factor login is no longer mandatory in %(name)s.")
            % {"name": municipality.name},
        )
        return HttpResponseRedirect(reverse("accounts:twofactor_policy"))
    rows = [(m, twofactor.policy_required(m)) for m in municipalities]
    return render(request, "accounts/twofactor/policy.html", {"rows": rows})


@login_required
@require_POST
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Administration: remove a user's app and recovery codes."""
    require(perms.can_manage_users(request.user))
    subject = get_object_or_404(selectors.users_visible_to(user=request.user), pk=pk)
    require(perms.can_manage_account(request.user, subject))
    twofactor.reset_by_admin(request=request, subject=subject, by=request.user)
    messages.success(
        request, _("Two-factor login was reset: the user sets up a new app at the next login.")
    )
    return HttpResponseRedirect(reverse("accounts:user_detail", args=[subject.pk]))
