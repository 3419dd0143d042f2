"""The audit log in words: object types by their German names, changes as
"field: old → new" with the fields' German names, export filters and other
details as "name: value". Used by the audit list page and its exports."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

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


def object_type_label(label: str) -> str:
    """The German name of an entry's object type ('masterdata.school' ->
    'Schule'); an export's list name is shown as 'list: <name>'."""
    model = _model(label)
    if model is not None:
        return str(model._meta.verbose_name)
    return _("list: %(name)s") % {"name": label} if label else ""


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of the platform (and the audit log's own entries) by its
    German name, for the object type filter."""
    found = {
        m._meta.label_lower: str(m._meta.verbose_name)
        for m in apps.get_models()
        if m.__module__.startswith("schulsozial.")
    }
    return sorted(found.items(), key=lambda item: item[1].lower())


def _field_label(model: type[models.Model] | None, name: str) -> str:
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            pass
        else:
            if isinstance(field, models.Field):
                return str(field.verbose_name)
    return name.replace("_", " ")


def _value(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_value(v)}" for k, v in value.items())
    return str(value)


def describe_changes(entry: AuditEntry) -> str:
    """The entry's details in words, one clause per field, joined by '; '."""
    changes = entry.changes or {}
    if not isinstance(changes, dict):
        return _value(changes)
    model = _model(entry.object_type)
    parts = []
    for name, value in changes.items():
        label = _field_label(model, name) if name != "filters" else _("filters")
        if isinstance(value, list) and len(value) == 2 and entry.action == AuditEntry.Action.UPDATE:
            parts.append(f"{label}: {_value(value[0])} {ARROW} {_value(value[1])}")
        else:
            parts.append(f"{label}: {_value(value)}")
    return "; ".join(parts)
