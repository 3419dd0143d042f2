"""Pages of contracts: the list, a person's history, a carrier's timeline,
the forms (new, correct, extend, settings), the Entfristung view and the
continuity of the schools. Loads through selectors, decides through
contracts.permissions, writes through services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import django_filters as df
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from schulsozial.core import charts
from schulsozial.core import school_year as sy
from schulsozial.core.audit import Action, audit, audit_read
from schulsozial.core.exports import ExportInfo, export_response
from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import ServiceFormView
from schulsozial.masterdata.models import Carrier, Municipality, StaffMember

from . import forms, selectors, services, timeline
from . import permissions as perms
from .models import Contract


def _day(value: datetime.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _fte(value: Decimal) -> Decimal:
    """FTE in a table or an export: two decimals (1,00 and 0,00, not the
    stored 1,0000 or a bare 0), which the XLSX keeps as a number formatted
    #,##0.00."""
    return Decimal(value).quantize(Decimal("0.01"))


def _percent(value: Decimal | None) -> Decimal | None:
    """A percentage in a table or an export: one decimal (25,0, not 25)."""
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def _staff_url(obj: Contract) -> str:
    return reverse("contracts:staff_contracts", args=[obj.staff_member_id])


class ContractFilter(df.FilterSet):
    kind = df.ChoiceFilter(label=gettext_lazy("kind of contract"), choices=Contract.Kind.choices)
    carrier = df.ModelChoiceFilter(
        label=gettext_lazy("employer (carrier)"), queryset=Carrier.objects.none()
    )
    ending = df.ChoiceFilter(
        label=gettext_lazy("ends within"),
        choices=[
            ("3", gettext_lazy("3 months")),
            ("6", gettext_lazy("6 months")),
            ("12", gettext_lazy("12 months")),
        ],
        method="filter_ending",
    )

    class Meta:
        model = Contract
        fields = ["kind", "carrier", "ending"]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if request is not None:
            self.filters["carrier"].queryset = selectors.contract_carriers_visible_to(
                user=request.user
            ).order_by("name")

    def filter_ending(self, queryset: QuerySet[Contract], name: str, value: str) -> Any:
        today = timezone.localdate()
        days = {"3": 92, "6": 183, "12": 365}[value]
        return queryset.filter(end__gte=today, end__lte=today + datetime.timedelta(days=days))


class ContractList(TableView):
    title = gettext_lazy("Contracts")
    export_name = "contracts"
    filterset_class = ContractFilter
    columns = [
        Column(
            "staff_member",
            gettext_lazy("name or code"),
            value=lambda o: o.staff_member.label,
            sort="staff_member__label",
            link=_staff_url,
        ),
        Column(
            "carrier",
            gettext_lazy("employer (carrier)"),
            value=lambda o: o.carrier.name,
            sort="carrier__name",
        ),
        Column("kind", gettext_lazy("kind of contract"), value=lambda o: o.get_kind_display()),
        Column("start", gettext_lazy("start"), sort="start"),
        Column("end", gettext_lazy("end"), sort="end"),
        Column(
            "reason", gettext_lazy("reason for the fixed term"), value=lambda o: o.reason_display()
        ),
        Column(
            "funding_stream",
            gettext_lazy("funding stream"),
            value=lambda o: o.funding_stream.name if o.funding_stream else "",
        ),
        # Two decimals, as on the person's and the carrier's pages.
        Column(
            "fte",
            gettext_lazy("FTE"),
            value=lambda o: _fte(o.fte),
            sort="fte",
            numeric=True,
        ),
    ]
    search_fields = ["staff_member__label", "carrier__name"]
    default_sort = "staff_member"

    def check_access(self) -> None:
        require(perms.can_use_contracts(self.request.user))

    def get_queryset(self) -> QuerySet[Contract]:
        return selectors.contracts_visible_to(user=self.request.user)

    def extra_context(self) -> dict[str, Any]:
        user = self.request.user
        actions: list[tuple[str, str]] = []
        if perms.can_see_entfristung(user):
            actions.append((_("Entfristung"), reverse("contracts:entfristung")))
        if perms.can_see_continuity(user):
            actions.append((_("Continuity"), reverse("contracts:continuity")))
        if perms.can_see_carrier_timelines(user):
            for carrier in selectors.contract_carriers_visible_to(user=user).order_by("name"):
                actions.append(
                    (
                        _("Timeline %(carrier)s") % {"carrier": carrier.name},
                        reverse("contracts:carrier_contracts", args=[carrier.pk]),
                    )
                )
        return {
            "extra_actions": actions,
            "subtitle": _(
                "Fixed-term and permanent contracts of the staff, with the reason for a fixed "
                "term and the funding stream behind it."
            ),
        }


def _bar(contract: Contract) -> timeline.Bar:
    kind = contract.get_kind_display()
    text = f"{_day(contract.start)} – {_day(contract.end) or _('open end')}, {kind}"
    return timeline.Bar(
        contract.start,
        contract.end,
        contract.is_fixed_term,
        text,
        tuple(e.previous_end for e in contract.extensions.all()),
    )


def _timeline(rows: list[timeline.Row], title: str) -> Any:
    return timeline.timeline(
        rows,
        title=title,
        today=timezone.localdate(),
        fixed_label=_("fixed-term"),
        permanent_label=_("permanent"),
        today_label=_("today"),
    )


@login_required
def staff_contracts(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's contract history: timeline, table, extensions."""
    require(perms.can_use_contracts(request.user))
    staff = get_object_or_404(selectors.contract_staff_visible_to(user=request.user), pk=pk)
    history = selectors.history_of(staff=staff, user=request.user)
    audit_read(request, staff, details={"contracts": len(history)})
    title = _("Contracts of %(label)s") % {"label": staff.label}
    today = timezone.localdate()
    return render(
        request,
        "contracts/staff_contracts.html",
        {
            "staff": staff,
            "title": title,
            "contracts": [
                (
                    c,
                    perms.can_edit_contract(request.user, c),
                    perms.can_renew_contract(request.user, c, day=today),
                )
                for c in history
            ],
            "chart": _timeline([timeline.Row(staff.label, [_bar(c) for c in history])], title),
            "show_pay_group": perms.can_see_pay_groups_of(request.user, staff),
            "can_add": perms.can_add_contract(request.user, staff, staff.carrier),
            "can_see_staff": perms.can_open_staff_page(request.user, staff),
        },
    )


@login_required
def carrier_contracts(request: HttpRequest, pk: int) -> HttpResponse:
    """A carrier's contracts: every person's contracts as one timeline, and
    the same contracts as a table."""
    require(perms.can_see_carrier_timelines(request.user))
    carrier = get_object_or_404(selectors.contract_carriers_visible_to(user=request.user), pk=pk)
    contracts = list(
        selectors.contracts_visible_to(user=request.user)
        .filter(carrier=carrier)
        .prefetch_related("extensions")
        .order_by("staff_member__label", "start")
    )
    audit_read(request, carrier, details={"contracts": len(contracts)})
    rows: dict[int, timeline.Row] = {}
    for c in contracts:
        row = rows.setdefault(c.staff_member_id, timeline.Row(c.staff_member.label, []))
        row.bars.append(_bar(c))  # type: ignore[attr-defined]
    title = _("Contracts at %(carrier)s") % {"carrier": carrier.name}
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        header = [
            _("name or code"),
            _("kind of contract"),
            _("start"),
            _("end"),
            _("reason for the fixed term"),
            _("funding stream"),
            _("weekly hours"),
            _("FTE"),
            _("extensions"),
        ]
        data = [
            [
                c.staff_member.label,
                c.get_kind_display(),
                c.start,
                c.end,
                c.reason_display(),
                c.funding_stream.name if c.funding_stream else "",
                c.weekly_hours,
                _fte(c.fte),
                len(c.extensions.all()),
            ]
            for c in contracts
        ]
        # The carrier is a filter (the title names the XLSX sheet, at most
        # 31 characters); the file name keeps it.
        info = ExportInfo(title=_("Contracts"), filters=[(_("carrier"), carrier.name)], name=title)
        audit(
            actor=request.user,
            action=Action.EXPORT,
            object_type="contracts",
            object_repr=info.filename(fmt),
            municipality_id=carrier.municipality_id,
        )
        return export_response(fmt, info=info, header=header, rows=data)
    return render(
        request,
        "contracts/carrier_contracts.html",
        {
            "carrier": carrier,
            "title": title,
            "contracts": contracts,
            "chart": _timeline(list(rows.values()), title),
            "show_pay_group": perms.can_see_pay_group(request.user, contracts[0])
            if contracts
            else False,
        },
    )


class ContractCreate(ServiceFormView):
    form_class = forms.ContractForm
    title = gettext_lazy("New contract")

    def load(self) -> StaffMember:
        self.staff = get_object_or_404(
            selectors.contract_staff_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )
        return self.staff

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_add_contract(self.request.user, self.staff, self.staff.carrier)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {
            "streams": selectors.funding_streams_for(staff=self.staff),
            "initial": {"weekly_hours": self.staff.weekly_hours},
        }

    def save(self, form: Any, obj: Model | None) -> Contract:
        return services.contract_create(staff=self.staff, by=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Model) -> str:
        return reverse("contracts:staff_contracts", args=[self.staff.pk])

    def cancel_url(self, obj: Model | None) -> str:
        return reverse("contracts:staff_contracts", args=[self.staff.pk])


class ContractUpdate(ServiceFormView):
    form_class: Any = forms.ContractForm
    title = gettext_lazy("Correct contract")

    def load(self) -> Contract:
        self.contract = get_object_or_404(
            selectors.contracts_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )
        return self.contract

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_edit_contract(self.request.user, self.contract)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {
            **super().form_kwargs(obj),
            "streams": selectors.funding_streams_for(staff=self.contract.staff_member),
        }

    def save(self, form: Any, obj: Model | None) -> Contract:
        return services.contract_update(
            contract=self.contract, by=self.request.user, **form.cleaned_data
        )

    def success_url(self, obj: Model) -> str:
        return reverse("contracts:staff_contracts", args=[self.contract.staff_member_id])


class ContractExtend(ContractUpdate):
    form_class = forms.ExtensionForm
    title = gettext_lazy("Extend contract or make it permanent")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_renew_contract(self.request.user, self.contract, day=timezone.localdate())

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"initial": {"agreed_on": timezone.localdate(), "reason": self.contract.reason}}

    def save(self, form: Any, obj: Model | None) -> Contract:
        services.contract_extend(contract=self.contract, by=self.request.user, **form.cleaned_data)
        return self.contract


class SettingsEdit(ServiceFormView):
    form_class = forms.ContractSettingsForm
    title = gettext_lazy("Contract settings")

    def load(self) -> Municipality:
        self.municipality = get_object_or_404(
            selectors.entfristung_municipalities(user=self.request.user), pk=self.kwargs["pk"]
        )
        return self.municipality

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_edit_contract_settings(self.request.user, self.municipality)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"instance": selectors.settings_for(self.municipality)}

    def save(self, form: Any, obj: Model | None) -> Municipality:
        services.contract_settings_set(
            municipality=self.municipality, by=self.request.user, **form.cleaned_data
        )
        return self.municipality

    def success_url(self, obj: Model) -> str:
        return reverse("contracts:entfristung") + f"?municipality={self.municipality.pk}"


# --------------------------------------------------------------------------- Entfristung


def _pct(value: Decimal | None) -> str:
    return "–" if value is None else number_format(value, 1) + " %"


def _chosen_municipality(request: HttpRequest, choices: QuerySet[Municipality]) -> Municipality:
    wanted = request.GET.get("municipality")
    if wanted and wanted.isascii() and wanted.isdigit():
        found = choices.filter(pk=int(wanted)).first()
        if found is None:
            raise Http404
        return found
    first = choices.first()
    if first is None:
        raise Http404
    return first


def _share_table(shares: list[Any], group_label: str | None) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("school year"),
        _("FTE"),
        _("fixed-term FTE"),
        _("fixed-term share of FTE (%)"),
        _("persons"),
        _("fixed-term persons"),
        _("fixed-term share of persons (%)"),
    ]
    rows = [
        [
            sy.code(s.year),
            _fte(s.fte),
            _fte(s.fixed_fte),
            _percent(s.fte_percent),
            s.persons,
            s.fixed_persons,
            _percent(s.persons_percent),
        ]
        for s in shares
    ]
    if group_label is not None:
        header.insert(1, group_label)
        for row, s in zip(rows, shares, strict=True):
            row.insert(1, s.group or _("without funding stream"))
    return header, rows


def _numeric_columns(rows: list[list[Any]]) -> set[int]:
    """The columns of an Entfristung table that hold figures (every filled
    cell a number; empty cells are None): right-aligned on the page, as the
    numbers of every other table."""

    def is_number(value: Any) -> bool:
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)

    width = max((len(r) for r in rows), default=0)
    return {
        i
        for i in range(width)
        if any(is_number(r[i]) for r in rows) and all(r[i] is None or is_number(r[i]) for r in rows)
    }


def _recent(key: str, rows: list[list[Any]], years: set[str]) -> list[list[Any]]:
    """On the page, the breakdowns per carrier and stream show the last
    school years only (the export has all)."""
    if key in ("carriers", "streams"):
        return [r for r in rows if r[0] in years]
    return rows


# The file names of the Entfristung exports (the table keys are English).
ENTFRISTUNG_EXPORT_NAMES = {
    "shares": pgettext_lazy("export file name", "entfristung-per-school-year"),
    "carriers": pgettext_lazy("export file name", "entfristung-per-carrier"),
    "streams": pgettext_lazy("export file name", "entfristung-per-funding-stream"),
    "cost": pgettext_lazy("export file name", "entfristung-cost"),
    "path": pgettext_lazy("export file name", "entfristung-path-to-target"),
    "ending": pgettext_lazy("export file name", "entfristung-contracts-by-end"),
}


@login_required
def entfristung(request: HttpRequest) -> HttpResponse:
    """The way to permanent contracts: fixed-term shares over the school
    years, the cost of making the fixed-term contracts permanent, the path
    to the target share and what ends when (details for coordination; a
    committee sees the municipality's totals; a carrier its own contracts)."""
    user = request.user
    require(perms.can_see_entfristung(user))
    choices = selectors.entfristung_municipalities(user=user)
    municipality = _chosen_municipality(request, choices)
    details = perms.can_see_entfristung_details(user, municipality)
    whole = bool(perms.entfristung_municipality_ids(user) & {municipality.pk})
    carrier_ids = None
    if not whole:
        carrier_ids = set(
            selectors.contract_carriers_visible_to(user=user)
            .filter(municipality=municipality)
            .values_list("pk", flat=True)
        )
    day = timezone.localdate()
    data = selectors.entfristung(municipality=municipality, day=day, carrier_ids=carrier_ids)
    breakdown = details or carrier_ids is not None
    tables: dict[str, tuple[str, list[str], list[list[Any]]]] = {}
    tables["shares"] = (_("Fixed-term share per school year"), *_share_table(data["total"], None))
    if breakdown:
        tables["carriers"] = (
            _("Fixed-term share per carrier"),
            *_share_table(data["by_carrier"], _("employer (carrier)")),
        )
        tables["streams"] = (
            _("Fixed-term share per funding stream"),
            *_share_table(data["by_stream"], _("funding stream")),
        )
    tables["cost"] = (
        _("Cost of making the fixed-term contracts permanent (per year)"),
        [
            _("funding stream"),
            _("fixed-term FTE"),
            _("cost rate per FTE (EUR)"),
            _("cost per year (EUR)"),
            _("of which Land funding under the caps (EUR)"),
            _("of which own funds (EUR)"),
        ],
        [
            [
                r.group or _("without funding stream"),
                _fte(r.fixed_fte),
                r.cost_rate,
                r.annual_cost,
                r.land_share,
                r.own_share,
            ]
            for r in data["cost_rows"]
        ],
    )
    tables["path"] = (
        _("Path to the target share"),
        [
            _("school year"),
            _("FTE to make permanent"),
            _("fixed-term FTE afterwards"),
            _("fixed-term share afterwards (%)"),
        ],
        [
            [
                sy.code(p.year),
                _fte(p.make_permanent_fte),
                _fte(p.fixed_fte_after),
                _percent(p.share_after),
            ]
            for p in data["path"]
        ],
    )
    if details or carrier_ids is not None:
        tables["ending"] = (
            _("Fixed-term contracts and the funding behind them, by end"),
            [
                _("end"),
                _("name or code"),
                _("employer (carrier)"),
                _("funding stream"),
                _("FTE"),
                _("reason for the fixed term"),
                _("positions"),
            ],
            [
                [r.end, r.staff.label, r.carrier, r.stream, _fte(r.fte), r.reason, r.positions]
                for r in data["ending"]
            ],
        )
    fmt, wanted = request.GET.get("format"), request.GET.get("table", "shares")
    if fmt in {"csv", "xlsx"}:
        if wanted not in tables:
            raise Http404
        title, header, rows = tables[wanted]
        info = ExportInfo(
            # The municipality is a filter, not part of the title: the title
            # names the XLSX sheet (31 characters at most).
            title=title,
            filters=[(_("municipality"), municipality.name)],
            protected=False,
            name=str(ENTFRISTUNG_EXPORT_NAMES[wanted]),
        )
        audit(
            actor=user,
            action=Action.EXPORT,
            object_type="contracts.entfristung",
            object_repr=info.filename(fmt),
            municipality_id=municipality.pk,
            changes={"table": str(title)},
        )
        return export_response(fmt, info=info, header=[str(h) for h in header], rows=rows)
    if details or carrier_ids is not None:
        audit_read(request, municipality, details={"view": "Entfristung"})
    recent = {sy.code(y) for y in data["years"][-3:]}
    share_chart = charts.line_chart(
        [(sy.code(s.year), float(s.fte_percent or 0)) for s in data["total"]],
        title=_("Fixed-term share of FTE per school year (%)"),
        unit="%",
    )
    path_chart = charts.bar_chart(
        [charts.Bar(sy.code(p.year), float(p.make_permanent_fte)) for p in data["path"]],
        title=_("FTE to make permanent per school year"),
        unit=_("FTE"),
        value_label=_("FTE to make permanent"),
    )
    findings = selectors.funding_findings(municipality=municipality) if details else []
    return render(
        request,
        "contracts/entfristung.html",
        {
            "title": _("Entfristung: the way to permanent contracts"),
            "municipality": municipality,
            "choices": choices,
            "data": data,
            "tables": [
                (key, title, header, _recent(key, rows, recent), _numeric_columns(rows))
                for key, (title, header, rows) in tables.items()
            ],
            "target_code": sy.code(data["target_year"]),
            "share_chart": share_chart,
            "path_chart": path_chart,
            "details": details,
            "own_carriers": carrier_ids is not None,
            "findings": findings,
            "can_edit_settings": perms.can_edit_contract_settings(user, municipality),
            "current_pct": _pct(data["current"]["fte_percent"]),
            "target_pct": _pct(data["settings"].target_fixed_term_percent),
        },
    )


# --------------------------------------------------------------------------- continuity


@login_required
def continuity(request: HttpRequest) -> HttpResponse:
    """Continuity per school: different workers in the last three school
    years, vacancy days, how long the current assignment has lasted; schools
    with frequent changes flagged."""
    require(perms.can_see_continuity(request.user))
    day = timezone.localdate()
    schools = list(selectors.schools_for_continuity(user=request.user))
    found = selectors.continuity_of(schools=schools, day=day)
    rows = [(s, found[s.pk]) for s in schools]
    rows.sort(key=lambda r: (not r[1].flagged, -r[1].workers, r[0].name))
    lo, hi = selectors.continuity_window(day)
    header = [
        _("school number"),
        _("school"),
        _("different social workers"),
        _("vacancy days"),
        _("current assignment since"),
        _("days"),
        _("frequent changes"),
    ]
    data = [
        [
            s.school_number,
            s.name,
            c.workers,
            c.vacancy_days,
            c.current_since,
            c.current_days,
            _("yes") if c.flagged else _("no"),
        ]
        for s, c in rows
    ]
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        info = ExportInfo(
            title=_("Continuity per school"),
            filters=[(_("Period"), f"{_day(lo)} – {_day(hi)}")],
            protected=False,
        )
        scopes: list[int | None] = [*sorted({s.municipality_id for s in schools})] or [None]
        for mun in scopes:
            audit(
                actor=request.user,
                action=Action.EXPORT,
                object_type="contracts.continuity",
                object_repr=info.filename(fmt),
                municipality_id=mun,
            )
        return export_response(fmt, info=info, header=[str(h) for h in header], rows=data)
    return render(
        request,
        "contracts/continuity.html",
        {
            "title": _("Continuity per school"),
            "rows": rows,
            "window": (lo, hi),
            "flagged": sum(1 for _s, c in rows if c.flagged),
        },
    )
