"""Generic create/update helpers that domain services build on.

Each validates with the model's own rules (`full_clean`), saves only the
changed fields and writes one audit entry. Domain services add their checks
around them and carry `@transaction.atomic`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from .audit import Action, audit, diff_fields

M = TypeVar("M", bound=models.Model)


def model_create(
    *,
    model: type[M],
    data: dict[str, Any],
    by: Any,
    municipality_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> M:
    """Create, validate and save `model(**data)`, with one audit entry of
    `changes` (default: the data) filed under `municipality_id` (default:
    the object's own)."""
    instance = model(**data)
    instance.full_clean()
    instance.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=instance,
        municipality_id=municipality_id,
        changes=dict(data) if changes is None else changes,
    )
    return instance


def model_update(*, instance: M, data: dict[str, Any], by: Any) -> tuple[M, dict[str, list[Any]]]:
    changes = diff_fields(instance, data)
    if not changes:
        return instance, {}
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    update_fields = list(changes)
    if any(f.name == "updated_at" for f in instance._meta.fields):
        update_fields.append("updated_at")
    instance.save(update_fields=update_fields)
    audit(actor=by, action=Action.UPDATE, obj=instance, changes=changes)
    return instance, changes


def model_upsert(
    *,
    model: type[M],
    lookup: dict[str, Any],
    data: dict[str, Any],
    by: Any,
    municipality_id: int | None = None,
) -> M:
    """Create the row identified by `lookup` with `data`, or update it: one
    audit entry either way (create with the data, update with the changes)."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is not None:
        return model_update(instance=instance, data=data, by=by)[0]
    instance = model(**lookup, **data)
    instance.full_clean()
    instance.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=instance,
        municipality_id=municipality_id,
        changes=dict(data),
    )
    return instance
