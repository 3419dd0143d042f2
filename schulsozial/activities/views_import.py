"""Pages of the documentation import: upload, map the file's own category
names, preview (a dry run in the request: the web upload is limited to
IMPORT_MAX_BYTES and MAX_ROWS), confirm. Confirming starts a background
task (tasks.import_activities_task) and shows its progress, then its result."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from schulsozial.accounts.http import AuthenticatedHttpRequest
from schulsozial.activities import permissions as perms
from schulsozial.core.listing import require
from schulsozial.masterdata.importing import (
    PendingExpiredError,
    discard_pending_of,
    load_pending,
    read_upload,
    store_pending,
)

from . import forms, importing, selectors, services

SESSION_KEY = "activity_import"
MAPPING_PREFIX = "map"
PENDING_KIND = "activities"  # the kept previews of this import (masterdata.importing)
REFRESH_SECONDS = 2


def _worker(request: AuthenticatedHttpRequest) -> Any:
    """The importing social worker (their municipality's catalogue is mapped to)."""
    require(perms.can_import_activities(request.user))
    require(perms.can_document(request.user))
    worker = services.worker_of(request.user)
    if worker is None or not selectors.worker_schools(user=request.user).exists():
        raise Http404
    return worker


@login_required
def import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload, map the file's own category names, preview, confirm. The
    upload is never stored: the preview keeps the mapped columns with case
    codes hashed (importing.import_activities, keep_pending) until it is
    confirmed, replaced or expired (PENDING_IMPORT_MAX_AGE_MINUTES)."""
    worker = _worker(request)
    context: dict[str, Any] = {"title": _("Import documentation"), "form": forms.ImportUploadForm()}
    pending = request.session.get(SESSION_KEY) or {}
    token = request.POST.get("token", "")
    owner_id = request.user.pk
    if request.method == "POST" and token:
        try:
            if pending.get("token") != token:
                raise PendingExpiredError(token)
            data = load_pending(token, kind=PENDING_KIND, owner_id=owner_id)
        except PendingExpiredError:
            request.session.pop(SESSION_KEY, None)
            messages.error(request, _("The preview has expired. Please upload the file again."))
            return HttpResponseRedirect(reverse("activities:import"))
        if "confirm" in request.POST:
            job = importing.import_start(token=token, filename=pending["filename"], by=request.user)
            request.session.pop(SESSION_KEY, None)
            return HttpResponseRedirect(reverse("activities:import_progress", args=[job.pk]))
        if "mapping" in request.POST:
            _save_mappings(request, worker)
        report = importing.import_activities(
            data=b"", pending=data, filename=pending["filename"], by=request.user, dry_run=True
        )
        context.update(report=report, token=token)
    elif request.method == "POST":
        upload_form = forms.ImportUploadForm(request.POST, request.FILES)
        context["form"] = upload_form
        discard_pending_of(
            kind=PENDING_KIND, owner_id=owner_id
        )  # a new upload replaces the user's earlier preview
        if upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            report = importing.import_activities(
                data=read_upload(upload),
                filename=upload.name,
                by=request.user,
                dry_run=True,
                keep_pending=True,
            )
            context["report"] = report
            if report.pending is not None and (report.ok or (report.unknown and not report.errors)):
                token = store_pending(report.pending, kind=PENDING_KIND, owner_id=owner_id)
                request.session[SESSION_KEY] = {"token": token, "filename": upload.name[:200]}
                context["token"] = token
    shown: importing.ActivityImportReport | None = context.get("report")
    if shown is not None and shown.unknown:
        context["mapping"] = forms.ImportMappingFormSet(
            initial=[
                {"kind": kind, "source": name}
                for kind, names in shown.unknown.items()
                for name in names
            ],
            prefix=MAPPING_PREFIX,
            form_kwargs={"municipality_id": worker.municipality_id},
        )
    return render(request, "activities/import.html", context)


def _save_mappings(request: AuthenticatedHttpRequest, worker: Any) -> None:
    """Remember the entries chosen for the file's unknown names; a row left
    empty stays unknown (the preview asks again)."""
    mapping = forms.ImportMappingFormSet(
        request.POST, prefix=MAPPING_PREFIX, form_kwargs={"municipality_id": worker.municipality_id}
    )
    if not mapping.is_valid():
        return
    for row in mapping.cleaned_data:
        if row.get("entry") is not None and row["source"].strip():
            services.import_mapping_set(
                municipality=worker.municipality,
                kind=row["kind"],
                source_label=row["source"],
                entry=row["entry"],
                by=request.user,
            )


@login_required
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """How far a running import is (rows read of all rows); the page
    refreshes itself until the import has finished, then shows the result."""
    require(perms.can_import_activities(request.user))
    job = get_object_or_404(importing.imports_visible_to(user=request.user), pk=pk)
    htmx = bool(request.htmx)
    if job.finished:
        result = reverse("activities:import_result", args=[job.pk])
        if htmx:  # the poll: htmx loads the result page
            response = HttpResponse(status=204)
            response["HX-Redirect"] = result
            return response
        return HttpResponseRedirect(result)
    done = min(importing.import_progress_of(job), job.rows_total)
    return render(
        request,
        "activities/import_progress.html#progress" if htmx else "activities/import_progress.html",
        {
            "title": _("Import running"),
            "job": job,
            "done": done,
            "percent": round(100 * done / job.rows_total) if job.rows_total else 0,
            "refresh": REFRESH_SECONDS,
        },
    )


@login_required
def import_result(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The number of records imported, or every error; nothing was written then."""
    require(perms.can_import_activities(request.user))
    job = get_object_or_404(importing.imports_visible_to(user=request.user), pk=pk)
    if not job.finished:
        return HttpResponseRedirect(reverse("activities:import_progress", args=[job.pk]))
    return render(
        request,
        "activities/import_result.html",
        {"title": _("Import result"), "job": job, "errors": importing.import_errors(job)},
    )
