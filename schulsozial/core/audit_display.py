"""The audit log in words: object types by their German names, changes as
"field: old → new" with the fields' German names, export filters and other
details as "name: value". Used by the audit list page and its exports."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditEntry

ARROW = "→"


@lru_cache(maxsize=256)
def _model(label: str) -> type[models.Model] | None:
    if "." not in label:
        return None
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


# Exports that are not a list page (TableView) by their German titles.
_EXPORT_TITLES = {"statistics.report": gettext_lazy("Statistics")}


def _subclasses(cls: Any) -> list[Any]:
    found: list[Any] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _list_titles() -> dict[str, Any]:
    """Every list page's export name with its title ('schools' -> 'Schulen'),
    from the list views themselves (the URLconf imports them all)."""
    from django.urls import get_resolver

    from .listing import TableView

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    titles: dict[str, Any] = {}
    for view in _subclasses(TableView):
        if view.title and view.export_name != TableView.export_name:
            titles.setdefault(view.export_name, view.title)
    return titles


def object_type_label(label: str) -> str:
    """The German name of an entry's object type ('masterdata.school' ->
    'Schule'); an export of a list as 'list: <its title>' ('Liste: Schulen'),
    other exports by their titles ('Statistik'); unknown names as they are."""
    model = _model(label)
    if model is not None:
        return str(model._meta.verbose_name)
    if label in _EXPORT_TITLES:
        return str(_EXPORT_TITLES[label])
    if not label:
        return ""
    title = _list_titles().get(label)
    return _("list: %(name)s") % {"name": title if title is not None else label}


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of the platform (and the audit log's own entries) by its
    German name, for the object type filter."""
    found = {
        m._meta.label_lower: str(m._meta.verbose_name)
        for m in apps.get_models()
        if m.__module__.startswith("schulsozial.")
    }
    return sorted(found.items(), key=lambda item: item[1].lower())


# Details that are not fields of the object's model (steps, scopes, imports,
# exports), by their German names.
_DETAIL_LABELS = {
    "filters": gettext_lazy("filters"),
    "step": gettext_lazy("step"),
    "comment": gettext_lazy("comment"),
    "user": gettext_lazy("user"),
    "users": gettext_lazy("invited persons"),
    "role": gettext_lazy("role"),
    "roles": gettext_lazy("invited roles"),
    "scope": gettext_lazy("scope"),
    "opens": gettext_lazy("opens"),
    "closes": gettext_lazy("closes"),
    "view": gettext_lazy("view"),
    "section": gettext_lazy("section"),
    "protected": gettext_lazy("protected"),
    "entries": gettext_lazy("entries"),
    "created": gettext_lazy("new"),
    "updated": gettext_lazy("changed"),
    "unchanged": gettext_lazy("unchanged"),
    "figures": gettext_lazy("figures per school year"),
    "municipalities_created": gettext_lazy("municipalities created"),
    "superseded": gettext_lazy("superseded"),
    "school_concepts_marked": gettext_lazy("school concepts marked"),
    "decision": gettext_lazy("decision"),
    "total_fte": gettext_lazy("FTE in total"),
    "on": gettext_lazy("on"),
    "columns": gettext_lazy("columns"),
    "figure_years": gettext_lazy("years of the figures"),
    "schools": gettext_lazy("schools"),
}

# Details whose codes are the choices of another model's field.
_DETAIL_CHOICES = {"step": ("concepts.conceptstep", "action")}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_LONG = 80


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _field_label(model: type[models.Model] | None, name: str) -> str:
    field = _field(model, name)
    if field is not None:
        return str(field.verbose_name)
    if name in _DETAIL_LABELS:
        return str(_DETAIL_LABELS[name])
    return name.replace("_", " ")


def _decimal(value: Decimal) -> str:
    # Figures as the platform shows them: at least two decimals (0,50 VZÄ).
    places = max(2, -int(value.normalize().as_tuple().exponent))
    return number_format(value, decimal_pos=places, force_grouping=True)


def _value(value: Any, field: models.Field[Any, Any] | None = None, name: str = "") -> str:
    if value is None or value == "" or value == {} or value == []:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_value(v, field, name) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{_field_label(None, k)}={_value(v)}" for k, v in value.items())
    if name == "roles" and field is None:
        # The roles of a consultation: the role field's choices (looked up,
        # not imported: core imports no app).
        role = _field(_model("accounts.roleassignment"), "role")
        return _value(value, role, "role")
    if field is None and name in _DETAIL_CHOICES:
        label, other = _DETAIL_CHOICES[name]
        field = _field(_model(label), other)
    if isinstance(field, models.ForeignKey) and str(value).isdigit():
        # An id; the name it had may be gone (pseudonymised, deleted).
        return _("no. %(id)s") % {"id": value}
    if field is not None and field.choices:
        labels = {str(k): v for k, v in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    text = str(value)
    if isinstance(field, models.DateField) or (field is None and _ISO_DATE.match(text)):
        try:
            return date_format(datetime.date.fromisoformat(text[:10]), "SHORT_DATE_FORMAT")
        except ValueError:
            return text
    if isinstance(field, models.DecimalField | models.FloatField):
        try:
            return _decimal(Decimal(text))
        except InvalidOperation:
            return text
    if isinstance(field, models.IntegerField) and text.lstrip("-").isdigit():
        return number_format(int(text), force_grouping=True)
    if field is None and _DECIMAL.match(text):
        # A figure written as text ("48.00" FTE): as the platform shows it.
        return _decimal(Decimal(text))
    if len(text) > _LONG:
        return text[: _LONG - 1].rstrip() + "…"
    return text


def describe_changes(entry: AuditEntry) -> str:
    """The entry's details in words, one clause per field, joined by '; ':
    'Schülerzahl: 312 → 330' for a change, 'Art: Wohlfahrtsverband' else."""
    changes = entry.changes or {}
    if not isinstance(changes, dict):
        return _value(changes)
    model = _model(entry.object_type)
    parts = []
    for name, value in changes.items():
        label = _field_label(model, name)
        field = _field(model, name)
        pair = isinstance(value, list) and len(value) == 2
        if pair and (entry.action == AuditEntry.Action.UPDATE or field is not None):
            old, new = (_value(v, field, name) for v in value)
            parts.append(f"{label}: {old} {ARROW} {new}")
        else:
            parts.append(f"{label}: {_value(value, field, name)}")
    return "; ".join(parts)


def describe_entry(entry: AuditEntry) -> str:
    """The entry as one German sentence: 'Schule „Kolibri-Schule“ geändert:
    Schülerzahl: 312 → 330'; a login reads 'angemeldet', an export
    'Liste „schools.csv“ exportiert: Filter: …'."""
    what = object_type_label(entry.object_type)
    if entry.object_type and _model(entry.object_type) is None:
        what = _("list")
    action = entry.get_action_display()
    subject = f"{what} „{entry.object_repr}“" if entry.object_repr else what
    sentence = f"{subject} {action}".strip() if subject else str(action)
    if entry.action in {
        AuditEntry.Action.LOGIN,
        AuditEntry.Action.LOGOUT,
        AuditEntry.Action.LOGIN_FAILED,
        AuditEntry.Action.LOCKOUT,
    }:
        # The person's name (the object of a login is the account).
        sentence = f"{entry.object_repr} {action}".strip()
    details = describe_changes(entry)
    return f"{sentence}: {details}" if details else sentence
