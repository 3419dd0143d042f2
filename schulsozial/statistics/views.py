"""The statistics page and its exports. Short: scope, filters, report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from schulsozial.core import school_year
from schulsozial.core.audit import Action, audit
from schulsozial.core.charts import Bar, bar_chart, line_chart
from schulsozial.core.exports import ExportInfo, describe_filters, export_response

from . import permissions
from .forms import StatisticsFilterForm
from .selectors import SUPPRESSED, Report, Scope, Section, scopes_for, statistics_report

CHART_ROWS = 30
SCREEN_ROWS = 250


def _scope_and_form(request: HttpRequest) -> tuple[Scope, StatisticsFilterForm]:
    if not permissions.can_view_statistics(request.user):
        raise PermissionDenied
    scopes = scopes_for(user=request.user)
    if not scopes:
        raise PermissionDenied
    wanted = request.GET.get("view")
    scope = next((s for s in scopes if s.key == wanted), scopes[0])
    form = StatisticsFilterForm(request.GET or None, scopes=scopes, scope=scope)
    if request.GET:
        form.is_valid()
    return scope, form


def _chart(section: Section) -> str:
    points = [
        (r.label, r.values[section.chart_column])
        for r in section.rows
        if isinstance(r.values[section.chart_column], int | float)
        or hasattr(r.values[section.chart_column], "quantize")
    ]
    if not points:
        return ""
    unit = section.columns[section.chart_column]
    if section.chart == "line":
        return line_chart(points, title=section.title, unit=unit)
    top = (
        sorted(points, key=lambda p: -float(p[1]))[:CHART_ROWS]
        if len(points) > CHART_ROWS
        else points
    )
    return bar_chart([Bar(label, float(v)) for label, v in top], title=section.title, unit=unit)


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    scope, form = _scope_and_form(request)
    report: Report = statistics_report(scope=scope, filters=form.filters())
    sections = [
        {
            "section": s,
            "chart": _chart(s),
            "rows": s.rows[:SCREEN_ROWS],
            "cut": max(len(s.rows) - SCREEN_ROWS, 0),
        }
        for s in report.sections
    ]
    query = request.GET.copy()
    query["view"] = scope.key
    return render(
        request,
        "statistics/report.html",
        {
            "title": _("Statistics"),
            "form": form,
            "report": report,
            "sections": sections,
            "scope": scope,
            "querystring": query.urlencode(),
            "suppressed_symbol": SUPPRESSED,
            "may_export_unprotected": not scope.protected,
        },
    )


@login_required
def statistics_export(request: HttpRequest, section: str, fmt: str) -> HttpResponse:
    """One table as CSV or XLSX: protected unless an unprotected scope asks
    for its own figures explicitly (unprotected=1). Every export is audited."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    scope, form = _scope_and_form(request)
    unprotected = request.GET.get("unprotected") == "1" and not scope.protected
    report = statistics_report(scope=scope, filters=form.filters(), protected=not unprotected)
    try:
        table = report.section(section)
    except StopIteration:
        raise Http404 from None
    header, rows = table.table()
    filters = form.filters()
    period = school_year.code(filters.school_year)
    applied = [(_("School year"), period), *describe_filters(form, skip=("view", "school_year"))]
    info = ExportInfo(
        title=_("Statistics: %(table)s") % {"table": table.title},
        filters=[(_("View"), scope.label), *applied],
        protected=not unprotected,
        threshold=report.threshold,
        period=period,
        name=_("statistics %(table)s") % {"table": table.title},
    )
    audit(
        actor=request.user,
        action=Action.EXPORT,
        object_type="statistics.report",
        object_repr=info.filename(fmt),
        municipality_id=min(scope.municipality_ids) if len(scope.municipality_ids) == 1 else None,
        # In German words, as the file states them (issue 13).
        changes={
            "view": scope.label,
            "section": str(table.title),
            "protected": not unprotected,
            "filters": dict(applied),
        },
    )
    return export_response(fmt, info=info, header=header, rows=rows)
