"""The overview of the standards (heat map), its export and the summary for
the annual report (issue 16, part two). Short: selectors read, permissions decide."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from schulsozial.core.audit import Action, audit
from schulsozial.core.exports import ExportInfo, describe_filters, export_response
from schulsozial.core.listing import require
from schulsozial.masterdata.models import SchoolYear

from . import heatmap, selectors
from . import permissions as perms
from .heatmap_svg import heatmap_svg, trend_svg
from .models import Perspective


class HeatmapFilterForm(forms.Form):
    school_year: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("school year"),
        queryset=SchoolYear.objects.none(),
        required=False,
        empty_label=gettext_lazy("current school year"),
    )
    perspective = forms.ChoiceField(
        label=gettext_lazy("perspective"),
        choices=[("", gettext_lazy("all perspectives")), *Perspective.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(
            "forms.ModelChoiceField[Any]", self.fields["school_year"]
        ).queryset = selectors.school_years()


def _num(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:.2f}".replace(".", ",")


def _heat(request: HttpRequest) -> tuple[HeatmapFilterForm, selectors.HeatmapView | None]:
    require(perms.can_view_heatmap(request.user))
    form = HeatmapFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("school_year") or selectors.current_school_year()
    if year is None:
        return form, None
    view = selectors.heatmap_view(
        user=request.user, school_year=year, perspective=data.get("perspective") or ""
    )
    return form, view


def _rows(view: selectors.HeatmapView) -> list[tuple[str, list[Decimal | None]]]:
    codes = [c for c, _t in view.standards]
    rows: list[tuple[str, list[Decimal | None]]] = [
        (s.name, [view.grid.cell(c, s.pk) for c in codes]) for s in view.schools
    ]
    rows.append((view.town_label, [view.town.get(c) for c in codes]))
    return rows


def _trend_chart(view: selectors.HeatmapView) -> Any:
    points = []
    for index, year in enumerate(view.years):
        values = [series[index][1] for series in view.trend.values()]
        known = [v for v in values if v is not None]
        if known:
            points.append((year, float(heatmap.mean(known) or 0)))
    if len(points) < 2:
        return None
    return trend_svg(
        points=points, steps=view.steps, title=_("Average of all standards per school year")
    )


@login_required
def heatmap_page(request: HttpRequest) -> HttpResponse:
    form, view = _heat(request)
    context: dict[str, Any] = {"form": form, "view": view, "query": request.GET.urlencode()}
    if view is not None:
        titles = dict(view.standards)
        rows = _rows(view)
        context.update(
            svg=heatmap_svg(
                columns=view.standards,
                rows=rows,
                steps=view.steps,
                title=_("Average rating per standard and school, %(year)s")
                % {"year": view.year.code},
            )
            if view.standards
            else None,
            rows=[(label, [_num(v) for v in values]) for label, values in rows],
            legend=heatmap.legend(view.steps),
            weakest=[(c, titles[c], _num(view.town.get(c))) for c in view.weakest],
            strongest=[(c, titles[c], _num(view.town.get(c))) for c in view.strongest],
            trend_rows=[
                (
                    c,
                    titles[c],
                    [_num(v) for _y, v in view.trend.get(c, [])],
                    _num(heatmap.change(view.trend.get(c, []))),
                )
                for c, _t in view.standards
            ],
            trend_chart=_trend_chart(view),
            withheld=[(c, titles[c]) for c in view.withheld],
            min_schools=perms.PUBLISHED_MIN_SCHOOLS,
        )
    context["quality_nav"] = {
        "cycle": perms.can_view_cycle_table(request.user),
        "settings": perms.can_open_settings(request.user),
    }
    return render(request, "quality/heatmap.html", context)


@login_required
def heatmap_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form, view = _heat(request)
    if view is None:
        raise Http404
    header = [_("School"), *[f"{c} {t}" for c, t in view.standards]]
    body = [[label, *values] for label, values in _rows(view)]
    # The school year always: the file may be read without its name.
    filters = [(str(_("school year")), view.year.code)]
    if form.is_bound:
        filters += describe_filters(form, skip=("school_year",))
    info = ExportInfo(
        title=_("Overview of the standards"),
        filters=filters,
        # exact averages for a view that may see them, not a list of records
        protected=False,
        period=view.year.code,
        name=_("overview-of-standards"),
    )
    audit(
        actor=request.user,
        action=Action.EXPORT,
        object_type=str(_("Overview of the standards")),
        object_repr=info.filename(fmt),
        changes={"filters": dict(filters), "schools": len(view.schools)},
    )
    return export_response(fmt, info=info, header=header, rows=body)


# --------------------------------------------------------------------------- annual report


def _summary(request: HttpRequest) -> tuple[HeatmapFilterForm, selectors.AnnualSummary | None]:
    require(perms.can_view_annual_summary(request.user))
    form = HeatmapFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("school_year") or selectors.current_school_year()
    if year is None:
        return form, None
    return form, selectors.annual_summary(user=request.user, school_year=year)


def summary_text(summary: selectors.AnnualSummary) -> list[str]:
    """The summary as sentences for the annual report."""
    titles = dict(summary.heat.standards)
    n = summary.schools
    lines = [
        ngettext(
            "In the school year %(year)s, the quality cycle covers %(n)s school.",
            "In the school year %(year)s, the quality cycle covers %(n)s schools.",
            n,
        )
        % {"year": summary.year.code, "n": n}
    ]
    for _key, label, done in summary.totals:
        lines.append(
            _("%(label)s: %(done)s of %(n)s schools.") % {"label": label, "done": done, "n": n}
        )
    town = summary.heat.town
    if summary.heat.weakest:
        lines.append(
            _("Weakest standards: %(list)s.")
            % {
                "list": "; ".join(
                    f"{c} {titles[c]} ({_num(town[c])})" for c in summary.heat.weakest
                )
            }
        )
        lines.append(
            _("Strongest standards: %(list)s.")
            % {
                "list": "; ".join(
                    f"{c} {titles[c]} ({_num(town[c])})" for c in summary.heat.strongest
                )
            }
        )
    else:
        lines.append(_("No submitted self-evaluation has ratings yet."))
    if summary.improved or summary.declined:
        lines.append(
            _("Against the year before, %(up)s standards rose and %(down)s fell.")
            % {"up": len(summary.improved), "down": len(summary.declined)}
        )
    return lines


@login_required
def annual_summary(request: HttpRequest) -> HttpResponse:
    form, summary = _summary(request)
    context: dict[str, Any] = {
        "form": form,
        "summary": summary,
        "query": request.GET.urlencode(),
        "quality_nav": {
            "cycle": perms.can_view_cycle_table(request.user),
            "settings": perms.can_open_settings(request.user),
        },
    }
    if summary is not None:
        titles = dict(summary.heat.standards)
        context.update(
            lines=summary_text(summary),
            changes=[(c, titles[c], _num(d)) for c, d in summary.improved + summary.declined],
            ranked=[
                (c, titles[c], _num(summary.heat.town.get(c)))
                for c in summary.heat.weakest + summary.heat.strongest
            ],
        )
    return render(request, "quality/annual_summary.html", context)


def summary_docx(summary: selectors.AnnualSummary) -> bytes:
    """The summary as a Word document (python-docx writes text nodes: escaped)."""
    from docx import Document

    titles = dict(summary.heat.standards)
    document = Document()
    title = _("Quality cycle %(year)s: summary for the annual report") % {"year": summary.year.code}
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for line in summary_text(summary):
        document.add_paragraph(line)
    document.add_heading(_("Schools per step"), level=2)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = _("Step")
    table.rows[0].cells[1].text = _("Schools")
    for _key, label, done in summary.totals:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = f"{done} / {summary.schools}"
    document.add_heading(_("Average rating per standard"), level=2)
    years = summary.heat.years
    table = document.add_table(rows=1, cols=1 + len(years))
    table.style = "Table Grid"
    table.rows[0].cells[0].text = _("Standard")
    for i, year in enumerate(years):
        table.rows[0].cells[i + 1].text = year
    for code, series in summary.heat.trend.items():
        cells = table.add_row().cells
        cells[0].text = f"{code} {titles.get(code, '')}"
        for i, (_year, value) in enumerate(series):
            cells[i + 1].text = _num(value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@login_required
def annual_summary_docx(request: HttpRequest) -> HttpResponse:
    _form, summary = _summary(request)
    if summary is None:
        raise Http404
    body = summary_docx(summary)
    name = f"qualitaetszyklus-jahresbericht-{summary.year.code.replace('/', '-')}.docx"
    audit(
        actor=request.user,
        action=Action.EXPORT,
        object_type=str(_("Summary for the annual report")),
        object_repr=name,
        changes={"format": "DOCX"},
    )
    response = HttpResponse(
        body,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
