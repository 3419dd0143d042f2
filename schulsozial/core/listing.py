"""One list page for every table: filter, search, sort, paginate, export.

A list view declares its columns, the selector that scopes its rows, a
django-filter FilterSet, and the fields a free-text search covers. The same
column definitions serve the HTML table and the CSV/XLSX export, so what a
user sees and what they download never drift apart.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import reduce
from typing import Any

import django_filters as df
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_filters.widgets import BooleanWidget

from .audit import Action, audit, municipalities_of
from .exports import ExportInfo, describe_filters, export_response
from .http import HtmxHttpRequest


class AllYesNoWidget(BooleanWidget):
    """A yes/no filter whose empty choice reads "alle" (not "Unbekannt")."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [
            ("", gettext_lazy("all")),
            ("true", gettext_lazy("yes")),
            ("false", gettext_lazy("no")),
        ]


def label_filters(filterset: df.FilterSet) -> None:
    """Give every filter of a list the empty choice "alle".

    Choice and model-choice filters would offer "---------", yes/no filters
    "Unbekannt"; both mean "do not filter". Call before the form is built
    (TableView does so for every list page).
    """
    for filter_ in filterset.filters.values():
        if isinstance(filter_, df.BooleanFilter):
            filter_.extra["widget"] = AllYesNoWidget
        elif isinstance(filter_, df.ChoiceFilter | df.ModelChoiceFilter):
            filter_.extra["empty_label"] = gettext_lazy("all")


def display_number(column: Column, value: Any) -> Any:
    """A figure of a numeric column with German digit grouping (1.234,50).

    Only numeric columns are grouped: school numbers are text and years are
    never declared numeric, so neither gets a dot.
    """
    if column.numeric and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return number_format(value, force_grouping=True)
    return value


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[Any], Any] | None = None  # defaults to attribute `key`
    sort: str | None = None  # ORM ordering field; None = not sortable
    numeric: bool = False
    link: Callable[[Any], str] | None = None
    # (user, obj) -> bool: show the link only to users who may open it.
    link_allowed: Callable[[Any, Any], bool] | None = None
    export_only: bool = False
    # A link for the page only (an action such as "correct"): not in the export.
    screen_only: bool = False
    # A figure of one school year: the heading names the list's figures_year().
    per_year: bool = False

    def get(self, obj: Any) -> Any:
        if self.value is not None:
            return self.value(obj)
        result: Any = obj
        for part in self.key.split("__"):
            result = getattr(result, part, None)
            if result is None:
                return None
        return result() if callable(result) else result


class TableView(LoginRequiredMixin, View):
    """Base for scoped list pages. Subclasses implement `get_queryset()`."""

    title: Any = ""
    columns: list[Column] = []
    filterset_class: Any = None
    search_fields: list[str] = []
    default_sort: str = ""
    page_size = 50
    export_name = "export"
    template_name = "core/table_list.html"
    create_url_name: str | None = None

    def get_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def can_create(self) -> bool:
        return False

    def check_access(self) -> None:
        """Raise PermissionDenied when the user's roles give no access to this list."""

    def extra_context(self) -> dict[str, Any]:
        return {}

    def audit_municipality_ids(self) -> list[int]:
        """Whose audit log an export goes into: every municipality of the
        user's scope (one entry each), none for a global administrator."""
        return municipalities_of(self.request.user)

    def figures_year(self) -> Any:
        """The school year the per_year columns come from (None: no year shown)."""
        return None

    def labelled_columns(self) -> list[Column]:
        """The columns with per_year headings naming the year ("pupils 2025/26")."""
        year = self.figures_year()
        if year is None:
            return list(self.columns)
        return [replace(c, label=f"{c.label} {year}") if c.per_year else c for c in self.columns]

    def export_info(self, filterset: Any, query: str) -> ExportInfo:
        """What the file says about itself: the list's title, the filters and
        search applied, the school year of its figures (issue 13)."""
        filters = describe_filters(filterset.form) if filterset is not None else []
        if query:
            filters.append((_("Search"), f"„{query}“"))
        year = self.figures_year()
        if year is not None:
            filters.insert(0, (_("Figures of the school year"), str(year)))
        return ExportInfo(
            title=str(self.title),
            filters=filters,
            protected=None,
            period=str(year) if year is not None else "",
        )

    def sort_options(self) -> dict[str, str]:
        return {c.key: c.sort for c in self.columns if c.sort}

    def filtered(self, request: HttpRequest) -> tuple[QuerySet[Any], Any, str, str]:
        queryset = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(
                request.GET or None, queryset=queryset, request=request
            )
            label_filters(filterset)
            queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
        # PostgreSQL refuses a NUL byte in a string (500); it can match nothing.
        query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
        if query and self.search_fields:
            queryset = queryset.filter(
                reduce(
                    operator.or_,
                    (Q(**{f"{field}__icontains": query}) for field in self.search_fields),
                )
            )
        options = self.sort_options()
        sort = request.GET.get("sort", self.default_sort)
        if sort.lstrip("-") not in options:  # unknown or empty: the list's default
            sort = self.default_sort if self.default_sort.lstrip("-") in options else ""
        key = sort.lstrip("-")
        if key:
            field = options[key]
            queryset = queryset.order_by(f"-{field}" if sort.startswith("-") else field, "pk")
        elif not queryset.ordered:  # pages must not repeat or skip rows
            queryset = queryset.order_by("pk")
        return queryset, filterset, query, sort

    def _link(self, column: Column, obj: Any) -> str:
        if column.link is None:
            return ""
        if column.link_allowed is not None and not column.link_allowed(self.request.user, obj):
            return ""
        return column.link(obj)

    def get(self, request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_access()
        queryset, filterset, query, sort = self.filtered(request)
        fmt = request.GET.get("format")
        if fmt in {"csv", "xlsx"}:
            columns = [c for c in self.labelled_columns() if not c.screen_only]
            rows = ([c.get(obj) for c in columns] for obj in queryset.iterator(chunk_size=2000))
            info = self.export_info(filterset, query)
            scopes: list[int | None] = [*self.audit_municipality_ids()] or [None]
            for municipality_id in scopes:
                audit(
                    actor=request.user,
                    action=Action.EXPORT,
                    object_type=self.export_name,
                    object_repr=info.filename(fmt),
                    municipality_id=municipality_id,
                    # In German words, as the file states them (issue 13).
                    changes={"filters": dict(info.filters)},
                )
            return export_response(
                fmt, info=info, header=[str(c.label) for c in columns], rows=rows
            )
        paginator = Paginator(queryset, self.page_size)
        page = paginator.get_page(request.GET.get("page"))
        visible = [c for c in self.labelled_columns() if not c.export_only]
        table_rows = [
            [(c, display_number(c, c.get(obj)), self._link(c, obj)) for c in visible]
            for obj in page.object_list
        ]
        params = request.GET.copy()
        params.pop("page", None)
        params.pop("format", None)
        sort_params = params.copy()
        sort_params.pop("sort", None)
        context = {
            "title": self.title,
            "columns": visible,
            "rows": table_rows,
            "page": page,
            "paginator": paginator,
            "filterset": filterset,
            "query": query,
            "sort": sort,
            "querystring": params.urlencode(),
            "sort_querystring": sort_params.urlencode(),
            "can_create": self.can_create(),
            "create_url_name": self.create_url_name,
            "search_enabled": bool(self.search_fields),
            "search_label": _("Search"),
        }
        context.update(self.extra_context())
        template = "core/table_list.html#table" if request.htmx else self.template_name
        return render(request, template, context)


def require(condition: bool) -> None:
    """Raise 403 unless `condition` holds (call after loading through a selector)."""
    if not condition:
        raise PermissionDenied
