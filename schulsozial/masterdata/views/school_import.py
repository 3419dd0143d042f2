"""The school import: upload, preview, confirm.

The preview runs the whole import inside a transaction that is rolled back;
confirming re-reads the same stored upload and commits it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import require

from .. import forms, importing, selectors
from .. import permissions as perms
from ..models import Municipality
from .common import owner_id

TEMPLATE = "masterdata/school_import.html"
SESSION_KEY = "school_import"


@login_required
def school_import(request: HttpRequest) -> HttpResponse:
    require(perms.can_import_schools(request.user))
    municipalities = selectors.coordinated_municipalities(user=request.user)
    form = forms.ImportForm(
        request.POST or None, request.FILES or None, municipalities=municipalities
    )
    context: dict[str, Any] = {"form": form, "title": _("Import schools")}
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, municipalities, context)
    if request.method == "POST" and form.is_valid():
        context.update(_preview(request, form.cleaned_data))
    return render(request, TEMPLATE, context)


def _expired(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.error(request, _("The preview has expired. Please upload the file again."))
    return HttpResponseRedirect(reverse("masterdata:school_import"))


def _confirm(
    request: HttpRequest, municipalities: QuerySet[Municipality], context: dict[str, Any]
) -> HttpResponse:
    """Import the upload stored by the preview whose token the form sends back."""
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    if not token or pending.get("token") != token:
        messages.error(request, _("The preview has expired. Please upload the file again."))
        return HttpResponseRedirect(reverse("masterdata:school_import"))
    municipality = get_object_or_404(municipalities, pk=pending["municipality"])
    owner = owner_id(request)
    try:
        data = importing.load_pending(token, kind="schools", owner_id=owner)
    except importing.PendingExpiredError:
        return _expired(request)
    report = importing.import_schools(
        data=b"",
        filename=pending["filename"],
        municipality=municipality,
        by=request.user,
        dry_run=False,
        parsed=importing.schools_from_pending(data),
    )
    importing.discard_pending(token, kind="schools", owner_id=owner)
    request.session.pop(SESSION_KEY, None)
    if report.ok:
        messages.success(request, report.summary())
        return HttpResponseRedirect(reverse("masterdata:school_list"))
    context.update(report=report)
    return render(request, TEMPLATE, context)


def _preview(request: HttpRequest, cleaned: dict[str, Any]) -> dict[str, Any]:
    """Dry-run the upload; when it would succeed, store it for the confirmation."""
    upload, municipality = cleaned["file"], cleaned["municipality"]
    report = importing.import_schools(
        data=importing.read_upload(upload),
        filename=upload.name,
        municipality=municipality,
        by=request.user,
        dry_run=True,
    )
    context: dict[str, Any] = {"report": report, "municipality": municipality}
    if report.ok:  # the preview keeps the recognised columns only
        token = importing.store_pending(
            importing.pending_schools(report.parse),
            kind="schools",
            owner_id=owner_id(request),
        )
        request.session[SESSION_KEY] = {
            "token": token,
            "municipality": municipality.pk,
            "filename": upload.name,
        }
        context["token"] = token
    return context
