"""Pages of the documentation: entry, own records, weekly grid, import,
catalogues and API access."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.forms import formset_factory
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from schulsozial.core.audit import audit_read
from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import apply_validation_error
from schulsozial.masterdata.models import School, StaffMember

from . import forms, selectors, services
from . import permissions as perms
from .models import Activity, CatalogueKind, Source


def _worker_context(request: HttpRequest) -> tuple[StaffMember, QuerySet[School], list[int]]:
    """The social worker, the schools they record at (the forms' choices) and
    their ids (to preselect one); a 404 without any."""
    require(perms.can_document(request.user))
    worker = services.worker_of(request.user)
    schools = selectors.worker_schools(user=request.user)
    ids = list(schools.values_list("pk", flat=True)) if worker is not None else []
    if worker is None or not ids:
        raise Http404
    return worker, schools, ids


def _preselected_school(request: HttpRequest, school_ids: list[int], asked: str = "") -> int:
    """The school a new entry starts with: the one asked for, else the one of
    the user's last entry, else the first."""
    candidate = asked or selectors.last_school_id(user=request.user)
    text = "" if candidate is None else str(candidate)
    if text.isascii() and text.isdigit() and int(text) in school_ids:
        return int(text)
    return school_ids[0]


def _parse_day(text: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text or "")
    except ValueError:
        return None


# --------------------------------------------------------------------------- records


class ActivityList(TableView):
    title = gettext_lazy("My documentation")
    export_name = "dokumentation"
    default_sort = "-date"
    create_url_name = "activities:activity_create"
    columns = [
        Column("date", gettext_lazy("date"), sort="date"),
        Column(
            "school", gettext_lazy("school"), value=lambda o: o.school.name, sort="school__name"
        ),
        Column("minutes", gettext_lazy("minutes"), sort="minutes", numeric=True),
        Column(
            "activity_type", gettext_lazy("activity type"), value=lambda o: o.activity_type.label
        ),
        Column("target_group", gettext_lazy("target group"), value=lambda o: o.target_group.label),
        Column("participants", gettext_lazy("participants"), sort="participants", numeric=True),
        Column("follow_up", gettext_lazy("follow-up"), value=lambda o: o.follow_up),
        Column(
            "source",
            gettext_lazy("entered via"),
            value=lambda o: o.get_source_display(),
            export_only=True,
        ),
        Column(
            "state",
            gettext_lazy("state"),
            value=lambda o: (
                _("locked")
                if services.is_locked(o)
                else _("correctable until %(day)s")
                % {
                    "day": formats.date_format(
                        timezone.localtime(services.correction_deadline(o)).date(),
                        "SHORT_DATE_FORMAT",
                    )
                }
            ),
        ),
        Column(
            "correct",
            gettext_lazy("action"),
            value=lambda o: "" if services.is_locked(o) else _("correct"),
            link=lambda o: (
                "" if services.is_locked(o) else reverse("activities:activity_update", args=[o.pk])
            ),
            screen_only=True,
        ),
    ]

    def check_access(self) -> None:
        require(perms.can_document(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.activities_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return True

    def _correction_days(self) -> int:
        worker = services.worker_of(self.request.user)
        return worker.municipality.activity_correction_days if worker else 14

    def extra_context(self) -> dict[str, Any]:
        return {
            "import_url": reverse("activities:import"),
            "extra_actions": [(_("Weekly grid"), reverse("activities:week"))],
            "subtitle": _(
                "Records can be corrected or deleted for %(days)s days after entry; then they are locked."
            )
            % {"days": self._correction_days()},
        }


def _form_for(
    worker: StaffMember,
    schools: QuerySet[School],
    activity: Activity | None = None,
    data: Any = None,
) -> forms.ActivityForm:
    return forms.ActivityForm(
        data, schools=schools, municipality_id=worker.municipality_id, activity=activity
    )


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    """Keyboard-first entry: today's date and the last school preselected;
    Enter saves and opens a new form with the same date and school."""
    worker, schools, school_ids = _worker_context(request)
    if request.method == "POST":
        form = _form_for(worker, schools, data=request.POST)
        if form.is_valid():
            client_id = _client_id(request)
            activity = None
            try:
                activity, _created = services.activity_record(
                    data=form.to_input(client_id=client_id), by=request.user
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except IntegrityError:
                # A double submit that raced with itself: the other request stored it.
                activity = (
                    selectors.activities_visible_to(user=request.user)
                    .filter(worker=worker, client_id=client_id)
                    .first()
                    if client_id
                    else None
                )
                if activity is None:
                    raise
            if activity is not None:
                messages.success(
                    request,
                    _("Saved: %(date)s, %(minutes)s minutes, %(type)s.")
                    % {
                        "date": formats.date_format(activity.date, "SHORT_DATE_FORMAT"),
                        "minutes": activity.minutes,
                        "type": activity.activity_type.label,
                    },
                )
                if request.POST.get("then") == "list":
                    return HttpResponseRedirect(reverse("activities:activity_list"))
                keep = urlencode(
                    {"date": activity.date.isoformat(), "school": str(activity.school_id)}
                )
                return HttpResponseRedirect(f"{reverse('activities:activity_create')}?{keep}")
    else:
        form = _form_for(worker, schools)
        day = _parse_day(request.GET.get("date")) or timezone.localdate()
        school = _preselected_school(request, school_ids, request.GET.get("school", ""))
        form.initial.update({"date": day, "school": school})
    return render(
        request,
        "activities/activity_form.html",
        {
            "form": form,
            "title": _("Record an activity"),
            "creating": True,
            "client_id": _new_client_id(),
        },
    )


def _new_client_id() -> str:
    import uuid

    return str(uuid.uuid4())


def _client_id(request: HttpRequest) -> Any:
    """The form carries a fresh id, so a double submit records once."""
    import uuid

    try:
        return uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        return None


def _own_activity(request: HttpRequest, pk: int) -> Activity:
    require(perms.can_document(request.user))
    return get_object_or_404(selectors.activities_visible_to(user=request.user), pk=pk)


@login_required
def activity_update(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _own_activity(request, pk)
    require(perms.can_correct_activity(request.user, activity))
    audit_read(request, activity)
    worker, schools, _school_ids = _worker_context(request)
    locked = services.is_locked(activity)
    form = _form_for(
        worker,
        schools,
        activity=activity,
        data=request.POST if request.method == "POST" and not locked else None,
    )
    if request.method == "POST" and not locked and form.is_valid():
        try:
            services.activity_correct(activity=activity, data=form.to_input(), by=request.user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The record was corrected."))
            return HttpResponseRedirect(reverse("activities:activity_list"))
    if request.method != "POST":
        form.initial.update(
            {
                "date": activity.date,
                "school": activity.school_id,
                "minutes": activity.minutes,
                "activity_type": activity.activity_type_id,
                "target_group": activity.target_group_id,
                "topics": [t.pk for t in activity.topics.all()],
                "contact_origin": activity.contact_origin_id,
                "partner": activity.partner_id,
                "follow_up": activity.follow_up,
            }
        )
    return render(
        request,
        "activities/activity_form.html",
        {
            "form": form,
            "title": _("Correct a record"),
            "object": activity,
            "locked": locked,
            "deadline": services.correction_deadline(activity),
            "has_case": bool(activity.case_hash),
        },
    )


@login_required
@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _own_activity(request, pk)
    require(perms.can_correct_activity(request.user, activity))
    try:
        services.activity_delete(activity=activity, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The record was deleted."))
    return HttpResponseRedirect(reverse("activities:activity_list"))


# --------------------------------------------------------------------------- weekly grid

WEEK_ROWS = 10  # rows shown at first; "More rows" adds as many again, up to WEEK_MAX_ROWS
WEEK_MAX_ROWS = 50


def _week_days(request: HttpRequest) -> tuple[datetime.date, list[datetime.date]]:
    """The Monday of the week asked for and its days that an entry may have.
    A week outside those dates shows the nearest one (the calendar's ends:
    0001-01-01 or 9999-12-31 overflowed in the ±7 days)."""
    today, first = timezone.localdate(), services.earliest_date()
    asked = _parse_day(request.GET.get("week") or request.POST.get("week")) or today
    start = forms.monday_of(min(max(asked, first), today))
    days = [start + datetime.timedelta(days=i) for i in range(7)]
    return start, [day for day in days if first <= day <= today]


def _default_day(days: list[datetime.date]) -> str:
    """The day a new row starts with: the week's last working day so far."""
    working = [day for day in days if day.weekday() < 5]
    return (working or days)[-1].isoformat() if days else ""


def _sums(records: list[Activity]) -> str:
    """ "3 activities, 135 minutes", in the active language with its plurals."""
    minutes = sum(record.minutes for record in records)
    return "{}, {}".format(
        ngettext("%(n)s activity", "%(n)s activities", len(records)) % {"n": len(records)},
        ngettext("%(n)s minute", "%(n)s minutes", minutes)
        % {"n": formats.number_format(minutes, force_grouping=True)},
    )


def _save_week(
    request: HttpRequest, formset: forms.WeekFormSet, worker: StaffMember, start: datetime.date
) -> tuple[HttpResponse | None, list[str]]:
    """Save the filled rows of a valid grid in one transaction (the service
    writes all or nothing): a redirect, or the grid's errors (the service's
    refusals are put on their rows)."""
    not_stated = (
        selectors.catalogue(municipality_id=worker.municipality_id, kind=CatalogueKind.GENDER)
        .filter(code="not_stated")
        .first()
    )
    rows = [
        (number, row.to_input(not_stated=not_stated))
        for number, row in enumerate(formset.forms, start=1)
        if not row.is_blank()
    ]
    if not rows:
        return None, [_("The grid is empty: fill in minutes in at least one row.")]
    try:
        created = services.activities_record_many(rows=rows, by=request.user, source=Source.WEEK)
    except services.RowsInvalid as invalid:
        formset.add_row_problems(invalid.problems)
        return None, []
    n = len(created)
    messages.success(
        request, ngettext("%(n)s activity saved.", "%(n)s activities saved.", n) % {"n": n}
    )
    return HttpResponseRedirect(f"{reverse('activities:week')}?week={start.isoformat()}"), []


def _week_data(request: HttpRequest, initial: dict[str, Any]) -> tuple[Any, bool]:
    """The grid's POST data, and whether the user asked for more rows: then
    the rows typed so far come back unsaved with WEEK_ROWS empty ones more
    (at most WEEK_MAX_ROWS), without any script. The new rows carry every
    row's `initial`, so they count as untouched (not validated)."""
    if request.method != "POST":
        return None, False
    if "more_rows" not in request.POST:
        return request.POST, False
    data = request.POST.copy()
    try:
        shown = int(data.get("row-TOTAL_FORMS", WEEK_ROWS))
    except ValueError:
        shown = WEEK_ROWS
    shown = min(max(shown, 0), WEEK_MAX_ROWS)
    total = min(shown + WEEK_ROWS, WEEK_MAX_ROWS)
    for index in range(shown, total):
        for name, value in initial.items():
            data[f"row-{index}-{name}"] = "" if value is None else str(value)
    data["row-TOTAL_FORMS"] = str(total)
    return data, True


@login_required
def week(request: HttpRequest) -> HttpResponse:
    """A week × rows grid: many activities at once, all or nothing, beside
    what the worker has recorded in that week already."""
    worker, schools, school_ids = _worker_context(request)
    start, days = _week_days(request)
    RowFormSet = formset_factory(  # noqa: N806
        forms.WeekRowForm,
        formset=forms.WeekFormSet,
        extra=WEEK_ROWS,
        max_num=WEEK_MAX_ROWS,
        validate_max=True,
    )
    initial = {"day": _default_day(days), "school": _preselected_school(request, school_ids)}
    data, more = _week_data(request, initial)
    formset = cast(
        "forms.WeekFormSet",
        RowFormSet(
            data,
            form_kwargs={
                "days": days,
                "schools": schools,
                # Every row's: shown on GET, and on POST what tells an untouched
                # row from a filled one. (A formset `initial` would add as many
                # rows again, with nothing preselected, before the extra ones.)
                "initial": initial,
            },
            municipality_id=worker.municipality_id,  # type: ignore[call-arg]  # WeekFormSet's
            prefix="row",
        ),
    )
    errors: list[str] = []
    if data is not None and not more and formset.is_valid():
        saved, errors = _save_week(request, formset, worker, start)
        if saved is not None:
            return saved
    recorded = selectors.week_records(user=request.user, days=days)
    today, step = timezone.localdate(), datetime.timedelta(days=7)
    context = {
        "title": _("Weekly grid"),
        "formset": formset,
        "row_errors": formset.row_errors() if data is not None and not more else [],
        "more_rows": len(formset.forms) < WEEK_MAX_ROWS,
        "start": start,
        "previous": start - step if start > services.earliest_date() else None,
        "next": start + step if start + step <= today else None,
        "errors": errors,
        "days": days,
        "recorded": [
            (day, [(r, services.is_locked(r)) for r in records], _sums(records))
            for day, records in recorded
        ],
        "week_sums": _sums([r for _day, records in recorded for r in records]),
        "several_schools": len(school_ids) > 1,
    }
    return render(request, "activities/week.html", context)


# --------------------------------------------------------------------------- catalogues


def _catalogue_municipality(request: HttpRequest) -> Any:
    municipalities = selectors.catalogue_municipalities(user=request.user)
    chosen = request.GET.get("municipality", "")
    municipality = (
        municipalities.filter(pk=int(chosen)).first()
        if chosen.isascii() and chosen.isdigit()  # "²".isdigit() is true
        else None
    )
    return municipality or municipalities.first(), municipalities


@login_required
def catalogue_list(request: HttpRequest) -> HttpResponse:
    require(perms.can_manage_catalogues(request.user))
    municipality, municipalities = _catalogue_municipality(request)
    if municipality is None:
        raise Http404
    kind = request.GET.get("kind", CatalogueKind.ACTIVITY_TYPE)
    if kind not in CatalogueKind.values:
        kind = CatalogueKind.ACTIVITY_TYPE
    entries = selectors.catalogue(municipality_id=municipality.pk, kind=kind, usable=False)
    form = forms.CatalogueAddForm(
        municipalities=municipalities, initial={"kind": kind, "municipality": municipality.pk}
    )
    return render(
        request,
        "activities/catalogue_list.html",
        {
            "title": _("Catalogues"),
            "municipality": municipality,
            "municipalities": municipalities,
            "kinds": CatalogueKind.choices,
            "kind": kind,
            "kind_label": CatalogueKind(kind).label,
            "entries": entries,
            "form": form,
            # A municipality without catalogues is offered the defaults (a POST).
            "offer_defaults": not selectors.has_catalogues(municipality_id=municipality.pk),
            # Coordination reaches the carriers' API keys from here (no menu entry).
            "can_see_api_keys": perms.can_use_api_tokens(request.user),
        },
    )


@login_required
@require_POST
def catalogue_create(request: HttpRequest) -> HttpResponse:
    require(perms.can_manage_catalogues(request.user))
    municipalities = selectors.catalogue_municipalities(user=request.user)
    if "defaults" in request.POST:
        return _catalogue_defaults(request, municipalities)
    form = forms.CatalogueAddForm(request.POST, municipalities=municipalities)
    kind = request.POST.get("kind", "")
    if form.is_valid():
        data = form.cleaned_data
        kind = data["kind"]
        try:
            entry = services.catalogue_entry_add(
                municipality=data["municipality"], kind=kind, label=data["label"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Added: %(label)s") % {"label": entry.label})
        query = urlencode({"kind": kind, "municipality": data["municipality"].pk})
    else:
        messages.error(request, _("Please give a label."))
        query = urlencode(
            {"kind": kind if kind in CatalogueKind.values else CatalogueKind.ACTIVITY_TYPE}
        )
    return HttpResponseRedirect(f"{reverse('activities:catalogue_list')}?{query}")


def _catalogue_defaults(request: HttpRequest, municipalities: QuerySet[Any]) -> HttpResponse:
    """Give a municipality without catalogues the default ones."""
    chosen = request.POST.get("municipality", "")
    municipality = (
        municipalities.filter(pk=int(chosen)).first()
        if chosen.isascii() and chosen.isdigit()
        else None
    )
    if municipality is None:
        raise Http404
    added = services.catalogues_ensure_defaults(municipality=municipality, by=request.user)
    messages.success(request, _("Default catalogue entries added: %(n)s") % {"n": added})
    query = urlencode({"municipality": municipality.pk})
    return HttpResponseRedirect(f"{reverse('activities:catalogue_list')}?{query}")


@login_required
def catalogue_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_manage_catalogues(request.user))
    entry = get_object_or_404(selectors.catalogue_entries_visible_to(user=request.user), pk=pk)
    require(perms.can_edit_catalogue_entry(request.user, entry))
    query = urlencode({"kind": entry.kind, "municipality": str(entry.municipality_id)})
    list_url = f"{reverse('activities:catalogue_list')}?{query}"
    form = forms.CatalogueUpdateForm(
        request.POST or None, initial={"label": entry.label, "retired": entry.retired}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.catalogue_entry_update(
                entry=entry,
                label=form.cleaned_data["label"],
                retired=form.cleaned_data["retired"],
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(list_url)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("Edit catalogue entry"),
            "object": f"{entry.get_kind_display()}: {entry.label}",
            "cancel_url": list_url,
        },
    )


# --------------------------------------------------------------------------- API tokens


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    require(perms.can_use_api_tokens(request.user))
    carriers = selectors.token_carriers(user=request.user)
    can_create = carriers.exists()
    if request.method == "POST":
        require(can_create)  # coordination sees and revokes keys, never creates one
    form = forms.ApiTokenForm(request.POST or None, carriers=carriers)
    new_key = None
    if request.method == "POST" and form.is_valid():
        carrier = form.cleaned_data["carrier"]
        require(perms.can_create_api_token(request.user, carrier))
        try:
            _token, new_key = services.api_token_create(
                carrier=carrier, name=form.cleaned_data["name"], by=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            form = forms.ApiTokenForm(carriers=carriers)
    response = render(
        request,
        "activities/token_list.html",
        {
            "title": _("API access"),
            "tokens": selectors.api_tokens_visible_to(user=request.user),
            "form": form if can_create else None,
            "new_key": new_key,
            "schema_url": reverse("api:schema"),
        },
    )
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_api_tokens(request.user))
    token = get_object_or_404(selectors.api_tokens_visible_to(user=request.user), pk=pk)
    require(perms.can_manage_api_token(request.user, token.carrier))
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, _("The key was revoked."))
    return HttpResponseRedirect(reverse("activities:token_list"))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The menu entry: workers land on the entry form, coordination on the
    catalogues, carriers on API access."""
    if perms.can_document(request.user):
        return HttpResponseRedirect(reverse("activities:activity_create"))
    if perms.can_manage_catalogues(request.user):
        return HttpResponseRedirect(reverse("activities:catalogue_list"))
    require(perms.can_use_api_tokens(request.user))
    return HttpResponseRedirect(reverse("activities:token_list"))
