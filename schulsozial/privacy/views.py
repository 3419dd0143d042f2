"""Data subject rights of a staff member (Art. 15, 17 DSGVO): the data
export and the pseudonymisation, for coordination of the municipality and
the employing carrier (masterdata.permissions.can_exercise_data_rights). The work is
in privacy/services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schulsozial.core.listing import require
from schulsozial.core.net import client_ip
from schulsozial.masterdata import permissions as perms
from schulsozial.masterdata import selectors
from schulsozial.masterdata.models import StaffMember

from . import services as privacy


def _staff(request: HttpRequest, pk: int) -> StaffMember:
    staff = get_object_or_404(
        selectors.staff_visible_to(user=request.user).select_related("municipality", "carrier"),
        pk=pk,
    )
    require(perms.can_exercise_data_rights(request.user, staff))
    return staff


@login_required
def staff_data_export(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff(request, pk)
    name, body = privacy.staff_data_export(
        staff=staff,
        by=request.user,
        with_audit_trail=perms.can_read_audit_trail_in_data_export(request.user, staff),
        ip=client_ip(request),
    )
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class PseudonymiseForm(forms.Form):
    confirm = forms.CharField(
        label=gettext_lazy("Type the name or code of the staff member to confirm"),
        max_length=120,
    )

    def __init__(self, *args: Any, staff: StaffMember, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value != self.staff.label:
            raise forms.ValidationError(
                _("This is not the name or code of the staff member (%(label)s).")
                % {"label": self.staff.label}
            )
        return value


@login_required
def staff_pseudonymise(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff(request, pk)
    done = privacy.is_pseudonymised(staff)
    form = PseudonymiseForm(request.POST if request.method == "POST" else None, staff=staff)
    if request.method == "POST" and not done and form.is_valid():
        code = privacy.staff_pseudonymise(staff=staff, by=request.user, ip=client_ip(request))
        messages.success(
            request,
            _("The staff member is pseudonymised as %(code)s; the account is deactivated.")
            % {"code": code},
        )
        return HttpResponseRedirect(reverse("masterdata:staff_detail", args=[staff.pk]))
    return render(
        request,
        "privacy/staff_pseudonymise.html",
        {
            "title": _("Pseudonymise staff member"),
            "object": staff,
            "form": form,
            "done": done,
            "cancel_url": reverse("masterdata:staff_detail", args=[staff.pk]),
        },
    )
