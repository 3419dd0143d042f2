"""The school import: upload, preview (with a column mapping step), confirm;
and the template file.

The preview runs the whole import inside a transaction that is rolled back;
confirming re-reads the rows the preview kept and commits them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import require

from .. import forms, importing, selectors
from .. import permissions as perms
from ..models import Municipality, SchoolYear
from .common import owner_id

TEMPLATE = "masterdata/school_import.html"
SESSION_KEY = "school_import"
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _year_codes() -> list[str]:
    """The school years on record and the three before and one after the current one."""
    start = int(importing.current_school_year_code()[:4])
    nearby = [SchoolYear.bounds_for(year)[0] for year in range(start - 3, start + 2)]
    return [*SchoolYear.objects.values_list("code", flat=True), *nearby]


@login_required
def school_import(request: HttpRequest) -> HttpResponse:
    require(perms.can_import_schools(request.user))
    municipalities = selectors.coordinated_municipalities(user=request.user)
    step = next((name for name in ("confirm", "remap") if name in request.POST), "")
    form = forms.ImportForm(
        None if step else request.POST or None,
        None if step else request.FILES or None,
        municipalities=municipalities,
        year_codes=_year_codes(),
    )
    context: dict[str, Any] = {
        "form": form,
        "title": _("Import schools"),
        "year": importing.current_school_year_code(),
    }
    if request.method == "POST" and step == "confirm":
        return _confirm(request, municipalities, context)
    if request.method == "POST" and step == "remap":
        return _remap(request, municipalities, context)
    if request.method == "POST" and form.is_valid():
        context.update(_preview(request, form.cleaned_data))
    return render(request, TEMPLATE, context)


@login_required
def school_import_template(request: HttpRequest, file_format: str) -> HttpResponse:
    """An empty school list with German headings, for the import."""
    require(perms.can_import_schools(request.user))
    if file_format not in TEMPLATE_TYPES:
        raise Http404
    code = importing.current_school_year_code()
    response = HttpResponse(
        importing.template_file(file_format, code=code), content_type=TEMPLATE_TYPES[file_format]
    )
    response["Content-Disposition"] = f'attachment; filename="schulen-vorlage.{file_format}"'
    return response


def _expired(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.error(request, _("The preview has expired. Please upload the file again."))
    return HttpResponseRedirect(reverse("masterdata:school_import"))


def _pending(request: HttpRequest, sealed: str = "") -> tuple[dict[str, Any], Any] | None:
    """The session's preview and its kept rows, if the form's token is still valid."""
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    if not token or pending.get("token") != token:
        return None
    try:
        data = importing.load_pending(token, kind="schools", owner_id=owner_id(request))
        return pending, importing.schools_from_pending(data, sealed)
    except importing.PendingExpiredError:
        return None


def _confirm(
    request: HttpRequest, municipalities: QuerySet[Municipality], context: dict[str, Any]
) -> HttpResponse:
    """Import the rows kept by the preview whose token the form sends back."""
    found = _pending(request)
    if found is None:
        return _expired(request)
    pending, kept = found
    municipality = get_object_or_404(municipalities, pk=pending["municipality"])
    report = importing.import_schools(
        data=b"",
        filename=pending["filename"],
        municipality=municipality,
        by=request.user,
        dry_run=False,
        parsed=kept.parse(),
        school_year=kept.school_year,
    )
    importing.discard_pending(pending["token"], kind="schools", owner_id=owner_id(request))
    request.session.pop(SESSION_KEY, None)
    if report.ok:
        messages.success(request, report.summary())
        return HttpResponseRedirect(reverse("masterdata:school_list"))
    context.update(report=report)
    return render(request, TEMPLATE, context)


def _remap(
    request: HttpRequest, municipalities: QuerySet[Municipality], context: dict[str, Any]
) -> HttpResponse:
    """The mapping step: preview the kept rows again with the fields and the
    school year the user chose."""
    found = _pending(request, request.POST.get("sealed", ""))
    if found is None:
        return _expired(request)
    pending, kept = found
    municipality = get_object_or_404(municipalities, pk=pending["municipality"])
    unrecognised = pending.get("unrecognised", [])
    mapping_form = forms.ImportMappingForm(
        request.POST,
        ignored=unrecognised,
        fields=importing.mapping_choices(),
        year_codes=_year_codes(),
    )
    if not mapping_form.is_valid():
        return _expired(request)
    school_year = mapping_form.cleaned_data["school_year"]
    mapping = mapping_form.mapping()
    parsed = kept.parse(school_year=school_year, mapping=mapping)
    context.update(
        _show(
            request,
            parsed=parsed,
            municipality=municipality,
            filename=pending["filename"],
            school_year=school_year,
            mapping=mapping,
            unrecognised=unrecognised,
        )
    )
    return render(request, TEMPLATE, context)


def _preview(request: HttpRequest, cleaned: dict[str, Any]) -> dict[str, Any]:
    """Dry-run the upload; when it would succeed, keep it for the confirmation."""
    upload, municipality = cleaned["file"], cleaned["municipality"]
    school_year = cleaned.get("school_year") or ""
    parsed = importing.parse_upload(
        importing.read_upload(upload), filename=upload.name, school_year=school_year
    )
    return _show(
        request,
        parsed=parsed,
        municipality=municipality,
        filename=upload.name,
        school_year=school_year,
        mapping={},
        unrecognised=list(parsed.ignored),
    )


def _show(
    request: HttpRequest,
    *,
    parsed: Any,
    municipality: Municipality,
    filename: str,
    school_year: str,
    mapping: dict[str, str],
    unrecognised: list[str],
) -> dict[str, Any]:
    report = importing.import_schools(
        data=b"",
        filename=filename,
        municipality=municipality,
        by=request.user,
        dry_run=True,
        parsed=parsed,
        school_year=school_year,
    )
    context: dict[str, Any] = {"report": report, "municipality": municipality}
    if not parsed.columns:  # the file could not be read: nothing to map
        return context
    context["mapping_form"] = forms.ImportMappingForm(
        initial={"school_year": school_year},
        ignored=unrecognised,
        fields=importing.mapping_choices(),
        year_codes=_year_codes(),
        initial_mapping=mapping,
    )
    token = importing.store_pending(
        importing.pending_schools(parsed, school_year=school_year, mapping=mapping),
        kind="schools",
        owner_id=owner_id(request),
    )
    request.session[SESSION_KEY] = {
        "token": token,
        "municipality": municipality.pk,
        "filename": filename,
        "unrecognised": unrecognised,
    }
    context.update(token=token, sealed=importing.seal_ignored(parsed), can_confirm=report.ok)
    return context
