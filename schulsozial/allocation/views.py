"""Distribution scenarios: list, create, rules with live recalculation,
result with charts, per-school explanation, comparison, adoption, exports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from schulsozial.accounts.http import AuthenticatedHttpRequest
from schulsozial.core import charts
from schulsozial.core.audit import Action, audit
from schulsozial.core.exports import ExportInfo, export_response
from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import ServiceFormView, apply_validation_error
from schulsozial.masterdata.models import Municipality, SchoolType
from schulsozial.masterdata.selectors import coordinated_municipalities, current_school_year

from . import adapter, forms, selectors, services
from . import permissions as perms
from .engine import AllocationError, RulesError
from .models import Scenario
from .rules_text import criterion_label, describe
from .templates_rules import structured


def _scenario(request: HttpRequest, pk: int) -> Scenario:
    require(perms.can_list_scenarios(request.user))
    return get_object_or_404(selectors.scenarios_visible_to(user=request.user), pk=pk)


def _loaded(obj: Model | None) -> Scenario:
    """The object a scenario page's `load()` returned (ServiceFormView passes it on as a Model)."""
    return cast(Scenario, obj)


class ScenarioList(TableView):
    title = _("Distribution scenarios")
    export_name = "scenarios"
    columns = [
        Column("name", _("name"), sort="name", link=lambda o: o.get_absolute_url()),
        Column(
            "school_year",
            _("school year"),
            value=lambda o: o.school_year.code,
            sort="school_year__start",
        ),
        Column("municipality", _("municipality"), value=lambda o: o.municipality.name),
        Column("status", _("status"), value=lambda o: o.get_status_display(), sort="status"),
        Column(
            "total_fte",
            _("FTE"),
            value=lambda o: Decimal(o.result.get("total_fte", "0")),
            numeric=True,
        ),
        Column("computed_at", _("computed at"), sort="computed_at"),
        Column(
            "decision",
            _("decision"),
            value=lambda o: ", ".join(
                str(v)
                for v in (
                    o.decision_body,
                    date_format(o.decision_date, "SHORT_DATE_FORMAT") if o.decision_date else "",
                    _("council paper %(ref)s") % {"ref": o.decision_reference}
                    if o.decision_reference
                    else "",
                )
                if v
            ),
        ),
    ]
    search_fields = ["name", "decision_reference"]
    default_sort = "-school_year"
    create_url_name = "allocation:scenario_create"

    def check_access(self) -> None:
        require(perms.can_list_scenarios(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.scenarios_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_manage_scenarios(self.request.user)

    def extra_context(self) -> dict[str, Any]:
        return {"extra_actions": [(_("Compare scenarios"), reverse("allocation:compare"))]}


class ScenarioCreate(ServiceFormView):
    form_class = forms.ScenarioCreateForm
    title = _("New distribution scenario")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_manage_scenarios(self.request.user)

    def municipalities(self) -> QuerySet[Municipality]:
        return coordinated_municipalities(user=self.request.user)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        # The figures start from the first municipality; a coordinator of
        # several picks one in the form and adjusts them.
        municipality = self.municipalities().first()
        year = current_school_year()
        total = Decimal(0)
        cost = None
        if year is not None and municipality is not None:
            total = sum(
                (
                    r.current_fte
                    for r in adapter.school_rows(municipality=municipality, school_year=year)
                ),
                Decimal(0),
            )
            cost = adapter.cost_per_fte(municipality=municipality, school_year=year)
        return {
            "municipalities": self.municipalities(),
            "initial": {
                "municipality": municipality,
                "school_year": year,
                "total_fte": total,
                "cost_per_fte_eur": cost,
                "template": "index",
            },
        }

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.scenario_create(
            municipality=form.cleaned_data["municipality"],
            school_year=form.cleaned_data["school_year"],
            name=form.cleaned_data["name"],
            rules_toml=form.rules_toml(),
            by=self.request.user,
        )

    def success_url(self, obj: Model) -> str:
        return cast(Scenario, obj).get_absolute_url()  # what save() returned


def _chart_context(scenario: Scenario) -> dict[str, Any]:
    schools = scenario.result.get("schools", [])
    by_fte = sorted(schools, key=lambda r: (-Decimal(r["fte"]), r["name"]))
    return {
        "chart_fte": charts.bar_chart(
            [charts.Bar(r["name"], float(r["fte"]), secondary=r["ideal"]) for r in by_fte],
            title=str(_("FTE per school, sorted, with the ideal share")),
            unit="VZÄ",
            value_label=str(_("allocated FTE")),
            marker_label=str(_("ideal share")),
        ),
        "chart_ideal": charts.scatter_chart(
            [charts.Point(r["name"], float(r["ideal"]), float(r["fte"])) for r in by_fte],
            title=str(_("Ideal share against allocated FTE per school")),
            x_label=str(_("ideal share")),
            y_label=str(_("allocated FTE")),
        ),
        "chart_band": charts.bar_chart(
            [
                charts.Bar(r["name"], float(r["fte"]), low=r["p5"], high=r["p95"])
                for r in by_fte
                if r["p5"] is not None
            ],
            title=str(_("Sensitivity band per school (5th to 95th percentile)")),
            unit="VZÄ",
            value_label=str(_("allocated FTE; band: 5th to 95th percentile")),
        )
        if any(r["p5"] is not None for r in schools)
        else None,
        "chart_map": charts.dot_map(
            [
                charts.Dot(r["name"], r["lat"], r["lon"], float(r["fte"]), r["social_index"])
                for r in schools
            ],
            title=str(_("Map: dot size = FTE, colour = Sozialindex")),
            size_label=str(_("FTE")),
            category_label=str(_("Sozialindex")),
        ),
        "by_fte": by_fte,
    }


@login_required
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The council app builds on the scenarios and concepts (its models link to
    # them), so these pages reach the council's papers at call time, never at import.
    from schulsozial.council.permissions import can_draft_distribution_paper
    from schulsozial.council.selectors import papers_concerning_scenario

    scenario = _scenario(request, pk)
    return render(
        request,
        "allocation/scenario_detail.html",
        {
            "object": scenario,
            "result": scenario.result,
            "type_labels": dict(SchoolType.choices),
            "can_edit": perms.can_edit_scenario(request.user, scenario),
            "can_adopt": perms.can_adopt_scenario(request.user, scenario),
            "can_copy": perms.can_copy_scenario(request.user, scenario),
            "changes": selectors.change_counts(scenario.result),
            "rules_text": describe(scenario.rules_toml),
            "council_papers": papers_concerning_scenario(user=request.user, scenario=scenario),
            "can_draft_paper": can_draft_distribution_paper(request.user, scenario),
            **_chart_context(scenario),
        },
    )


@login_required
def school_explanation(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    scenario = _scenario(request, pk)
    row = next((r for r in scenario.result.get("schools", []) if r["number"] == number), None)
    if row is None:
        raise Http404
    for layer in row["explanation"]["layers"]:
        for criterion in layer.get("criteria", []):
            criterion["label"] = criterion_label(criterion["name"], criterion["column"])
    return render(
        request,
        "allocation/school_explanation.html",
        {"object": scenario, "row": row, "type_labels": dict(SchoolType.choices)},
    )


def _rules_forms(request: HttpRequest, scenario: Scenario) -> tuple[forms.RulesForm, Any] | None:
    data = structured(scenario.rules_toml)
    if data is None:
        return None
    rules, criteria = forms.toml_to_form_data(data)
    if request.method == "POST":
        return forms.RulesForm(request.POST), forms.CriteriaFormSet(request.POST, prefix="c")
    initial = {
        **rules,
        "name": scenario.name,
        "description": scenario.description,
        "lock_version": scenario.lock_version,
    }
    return forms.RulesForm(initial=initial), forms.CriteriaFormSet(initial=criteria, prefix="c")


@login_required
def scenario_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The rules form. With htmx each change posts to the preview; saving
    stores the rules and the recomputed result."""
    scenario = _scenario(request, pk)
    require(perms.can_edit_scenario(request.user, scenario))
    pair = _rules_forms(request, scenario)
    if pair is None:
        return HttpResponseRedirect(reverse("allocation:scenario_edit_toml", args=[pk]))
    form, criteria = pair
    preview = None
    if request.method == "POST" and form.is_valid() and criteria.is_valid():
        toml = forms.form_data_to_toml(
            form.cleaned_data,
            [c for c in criteria.cleaned_data if c],
            title=form.cleaned_data["name"],
        )
        if "preview" in request.POST or request.htmx:
            preview = _preview(scenario, toml)
            if request.htmx:
                return render(
                    request, "allocation/_preview.html", {"preview": preview, "object": scenario}
                )
        else:
            try:
                services.scenario_update(
                    scenario=scenario,
                    rules_toml=toml,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    expected_version=form.cleaned_data["lock_version"],
                    by=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Saved and recalculated."))
                return HttpResponseRedirect(scenario.get_absolute_url())
    elif request.method == "POST" and request.htmx:
        return render(
            request,
            "allocation/_preview.html",
            {
                "preview": {
                    "error": _("Please check the marked fields."),
                    "field_errors": _field_errors(form, criteria),
                }
            },
        )
    return render(
        request,
        "allocation/scenario_edit.html",
        {
            "object": scenario,
            "form": form,
            "criteria": criteria,
            "preview": preview or _preview(scenario, None),
        },
    )


def _field_errors(form: forms.RulesForm, criteria: Any) -> list[dict[str, str]]:
    """Each complaint of the rules form for the live preview: the field's id
    (static/js/allocation.js marks that field), its label and the message."""
    found: list[dict[str, str]] = []
    for number, each in enumerate([form, *criteria.forms]):
        prefix = _("Criterion %(n)s") % {"n": number} + ": " if number else ""
        for name, errors in each.errors.items():
            message = " ".join(str(e) for e in errors)
            if name == "__all__":
                found.append({"id": "", "label": prefix.rstrip(": "), "message": message})
            else:
                field = each[name]
                found.append(
                    {
                        "id": field.id_for_label,
                        "label": f"{prefix}{field.label}",
                        "message": message,
                    }
                )
    found += [{"id": "", "label": "", "message": str(e)} for e in criteria.non_form_errors()]
    return found


def _preview(scenario: Scenario, toml: str | None) -> dict[str, Any]:
    if toml is None:
        return {"result": scenario.result, "saved": True}
    try:
        result = adapter.compute(
            municipality=scenario.municipality,
            school_year=scenario.school_year,
            rules_toml=toml,
            samples=0,
        )
    except (RulesError, AllocationError) as error:
        return {"error": str(error)}
    return {"result": result, "saved": False, "toml": toml}


class ScenarioEditToml(ServiceFormView):
    form_class = forms.TomlForm
    title = _("Rules (TOML)")
    template_name = "allocation/scenario_edit_toml.html"

    def load(self) -> Model | None:
        return _scenario(self.request, self.kwargs["pk"])

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_edit_scenario(self.request.user, _loaded(obj))

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        scenario = _loaded(obj)
        return {
            "initial": {
                "name": scenario.name,
                "description": scenario.description,
                "rules_toml": scenario.rules_toml,
                "lock_version": scenario.lock_version,
            }
        }

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.scenario_update(
            scenario=_loaded(obj),
            rules_toml=form.cleaned_data["rules_toml"],
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            expected_version=form.cleaned_data["lock_version"],
            by=self.request.user,
        )


class ScenarioAdopt(ServiceFormView):
    form_class = forms.AdoptForm
    template_name = "allocation/scenario_adopt.html"
    title = _("Adopt scenario")
    success_message = _("The scenario is adopted and now read-only.")

    def load(self) -> Model | None:
        return _scenario(self.request, self.kwargs["pk"])

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_adopt_scenario(self.request.user, _loaded(obj))

    def adopted(self, scenario: Scenario) -> Scenario | None:
        """The scenario adopted for the school year now (the one this replaces)."""
        return (
            selectors.scenarios_visible_to(user=self.request.user)
            .adopted()
            .filter(
                municipality_id=scenario.municipality_id, school_year_id=scenario.school_year_id
            )
            .first()
        )

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"adopted": self.adopted(_loaded(obj))}

    def context(self, form: Any, obj: Model | None) -> dict[str, Any]:
        return {**super().context(form, obj), "adopted": self.adopted(_loaded(obj))}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """A valid form that replaces an adopted scenario first shows the
        confirmation step (a page, no script needed); only its "confirm"
        button adopts."""
        form = self.form_class(request.POST, **self.form_kwargs(self.obj))
        if form.is_valid() and form.cleaned_data["supersedes"] and not form.cleaned_data["confirm"]:
            superseded = (
                selectors.scenarios_visible_to(user=request.user)
                .filter(pk=form.cleaned_data["supersedes"])
                .first()
            )
            if superseded is not None:  # else the service names what is adopted now
                return render(
                    request,
                    "allocation/scenario_adopt_confirm.html",
                    {
                        **self.context(form, self.obj),
                        "superseded": superseded,
                        "title": _("Confirm the adoption"),
                    },
                )
        return super().post(request, *args, **kwargs)

    def save(self, form: Any, obj: Model | None) -> Model:
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
        return services.scenario_adopt(scenario=_loaded(obj), by=self.request.user, **data)


@login_required
@require_POST
def scenario_copy(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    require(perms.can_copy_scenario(request.user, scenario))
    copy = services.scenario_copy(
        scenario=scenario,
        name=f"{scenario.name} ({_('copy')})",
        school_year=scenario.school_year,
        by=request.user,
    )
    messages.success(request, _("Copied into the new draft „%(name)s“.") % {"name": copy.name})
    return HttpResponseRedirect(copy.get_absolute_url())


@login_required
@require_POST
def scenario_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    require(perms.can_edit_scenario(request.user, scenario))
    try:
        services.scenario_recompute(scenario=scenario, by=request.user)
        messages.success(request, _("Recalculated with today's master data."))
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    return HttpResponseRedirect(scenario.get_absolute_url())


def _two(value: Any) -> Decimal | None:
    """A sensitivity percentile (stored as a float) with two decimals like the other FTE."""
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _export_info(scenario: Scenario) -> ExportInfo:
    """What a scenario's files say about themselves and their German name
    ("verteilung-<name>-<school year>-stand-<day>"), alike for PDF, CSV and XLSX."""
    return ExportInfo(
        title=str(_("Distribution scenario: %(name)s") % {"name": scenario.name}),
        filters=[
            (str(_("Municipality")), str(scenario.municipality)),
            (str(_("School year")), str(scenario.school_year)),
            (str(_("status")), str(scenario.get_status_display())),
            (
                str(_("computed at")),
                date_format(timezone.localtime(scenario.computed_at), "SHORT_DATETIME_FORMAT")
                if scenario.computed_at
                else "–",
            ),
        ],
        period=str(scenario.school_year),
        name=str(_("distribution %(name)s") % {"name": scenario.name}),
        as_of=scenario.computed_at or timezone.now(),
    )


@login_required
def scenario_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    scenario = _scenario(request, pk)
    audit(actor=request.user, action=Action.EXPORT, obj=scenario, changes={"format": fmt})
    if fmt == "pdf":
        from .pdf import scenario_pdf

        response = HttpResponse(scenario_pdf(scenario), content_type="application/pdf")
        name = _export_info(scenario).filename("pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    columns = {
        c["name"]: c.get("column", "")
        for r in scenario.result["schools"]
        for layer in r["explanation"]["layers"]
        for c in layer["criteria"]
    }
    criteria = sorted(columns)
    labels = [criterion_label(name, columns[name]) for name in criteria]
    header = [
        str(_("school number")),
        str(_("name")),
        str(_("school type")),
        str(_("pupils")),
        str(_("Sozialindex")),
        "Startchancen",
        str(_("current FTE")),
        str(_("ideal FTE")),
        str(_("FTE")),
        str(_("change")),
        str(_("money (EUR)")),
        *[str(_("contribution %(criterion)s (FTE)") % {"criterion": label}) for label in labels],
        str(_("FTE, 5th percentile")),
        str(_("FTE, median")),
        str(_("FTE, 95th percentile")),
    ]

    def contributions(row: dict[str, Any]) -> list[Any]:
        totals = dict.fromkeys(criteria, Decimal(0))
        for layer in row["explanation"]["layers"]:
            for c in layer["criteria"]:
                totals[c["name"]] += Decimal(c["contribution_fte"])
        return [totals[c] for c in criteria]

    rows = (
        [
            r["number"],
            r["name"],
            r["type"],
            r["pupils"],
            r["social_index"],
            r["startchancen"],
            Decimal(r["current"]),
            Decimal(str(r["ideal"])),
            Decimal(r["fte"]),
            Decimal(r["change"]),
            Decimal(r["money"]) if r["money"] else None,
            *contributions(r),
            *(_two(r[key]) for key in ("p5", "p50", "p95")),
        ]
        for r in scenario.result["schools"]
    )
    info = _export_info(scenario)
    return export_response(fmt, info=info, header=header, rows=rows)


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    require(perms.can_list_scenarios(request.user))
    visible = selectors.scenarios_visible_to(user=request.user)
    form = forms.CompareForm(request.GET or None, scenarios=visible)
    table = None
    if form.is_bound and form.is_valid():
        chosen = sorted(form.cleaned_data["scenarios"], key=lambda s: s.pk)
        table = selectors.comparison(chosen)
    return render(
        request,
        "allocation/compare.html",
        {"form": form, "table": table, "title": _("Compare scenarios")},
    )
