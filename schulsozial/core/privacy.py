"""The warning beside every free-text field that could carry a pupil's name.

School social work is confidential (§ 65 SGB VIII, PRODUCT.md §4): the
platform holds no personal data of pupils or parents. Activity records have
no free text at all; the remaining free-text fields (comments, ideas, goals,
concept texts, reasons, labels, descriptions, display and token names) say
next to the field that none may be entered. A form names those fields in
`no_personal_data` (NoPersonalDataMixin); the shared field template
(core/_field.html) then renders FREE_TEXT_WARNING below the label and the
widget refers to it with aria-describedby. A hand-written textarea uses the
`privacy_hint` tag with its id.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

FREE_TEXT_WARNING = _("Do not enter names or other personal data of pupils or their parents here.")


def hint_id(field_id: str) -> str:
    """The id of the warning that belongs to the widget with `field_id`."""
    return f"{field_id}-privacy"


def warn_no_personal_data(*fields: forms.Field) -> None:
    """Mark fields (also ones built at run time) for the warning."""
    for field in fields:
        field.no_personal_data = True  # type: ignore[attr-defined]


def warns(field: forms.Field) -> bool:
    return bool(getattr(field, "no_personal_data", False))


class NoPersonalDataMixin:
    """A form whose free-text fields in `no_personal_data` carry the warning."""

    no_personal_data: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields  # type: ignore[attr-defined]
        missing = [name for name in self.no_personal_data if name not in fields]
        if missing:
            raise ImproperlyConfigured(f"{type(self).__name__} has no fields {missing}")
        warn_no_personal_data(*(fields[name] for name in self.no_personal_data))
