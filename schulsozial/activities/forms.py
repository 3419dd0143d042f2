"""Forms of the documentation. Every choice comes from the municipality's
catalogue (usable entries only); there is no free-text field except the
anonymous case code, which is hashed on the server and never shown again."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _

from schulsozial.core.privacy import NoPersonalDataMixin

from .models import CatalogueEntry, CatalogueKind
from .selectors import catalogue, usable_catalogue
from .services import ActivityInput, earliest_date

CASE_CODE_HELP = _(
    "Optional: a code you choose for a case, e.g. 'K17'. Never a name or initials. "
    "It is stored only as a hash for this school and counts distinct cases."
)


class EntryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: CatalogueEntry) -> str:
        return obj.label


def _lazy(choices: Callable[[], list[tuple[Any, str]]]) -> CallableChoiceIterator:
    """Choices built when a widget renders them. A POST is validated against
    the instances (to_python), so it never lists them: Django normalises a
    list of choices when a field is made, for every field of every request
    (with the labels, about a tenth of the form's CPU per POST)."""
    return CallableChoiceIterator(choices)


class InstanceChoice(forms.ChoiceField):
    """One of some model instances loaded beforehand: the form reads its
    choices once, and validating a POST needs no query per field (what a
    ModelChoiceField would issue). Cleans to the instance."""

    default_error_messages = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"],
    }

    def __init__(
        self,
        *,
        objects: Iterable[Any],
        label_of: Callable[[Any], str] = str,
        empty_label: str | None = "---------",
        **kwargs: Any,
    ) -> None:
        objects = list(objects)
        self.objects = {str(o.pk): o for o in objects}

        def choices() -> list[tuple[Any, str]]:
            first = [("", empty_label)] if empty_label is not None else []
            return first + [(o.pk, label_of(o)) for o in objects]

        super().__init__(choices=_lazy(choices), **kwargs)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        found = self.objects.get(str(value))
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)  # to_python has checked the choice


class InstanceMultipleChoice(forms.MultipleChoiceField):
    """Several of some model instances loaded beforehand; cleans to a list."""

    default_error_messages = {
        "invalid_list": forms.ModelMultipleChoiceField.default_error_messages["invalid_list"],
        "invalid_choice": forms.ModelMultipleChoiceField.default_error_messages["invalid_choice"],
    }

    def __init__(
        self, *, objects: Iterable[Any], label_of: Callable[[Any], str] = str, **kwargs: Any
    ) -> None:
        objects = list(objects)
        self.objects = {str(o.pk): o for o in objects}
        super().__init__(choices=_lazy(lambda: [(o.pk, label_of(o)) for o in objects]), **kwargs)

    def to_python(self, value: Any) -> list[Any]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        chosen: dict[str, Any] = {}
        for item in value:
            found = self.objects.get(str(item))
            if found is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
            chosen[str(item)] = found
        return list(chosen.values())

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)  # to_python has checked every choice


def _label(entry: CatalogueEntry) -> str:
    return entry.label


def _catalogue_by_kind(
    municipality_id: int, keep_ids: Iterable[int] = ()
) -> dict[str, list[CatalogueEntry]]:
    """The municipality's usable entries (one query), plus the ones a record
    being corrected already uses, grouped by catalogue in catalogue order."""
    keep = {pk for pk in keep_ids if pk}
    grouped: dict[str, list[CatalogueEntry]] = {kind: [] for kind in CatalogueKind.values}
    entries = (
        CatalogueEntry.objects.filter(
            Q(retired=False) | Q(pk__in=keep), municipality_id=municipality_id
        )
        if keep
        else usable_catalogue(municipality_id=municipality_id)
    )
    for entry in entries:
        grouped[entry.kind].append(entry)
    return grouped


GRID_ATTRS = {"inputmode": "numeric", "class": "grid-count"}


class ActivityForm(forms.Form):
    """The entry form: date and school first (preselected), then minutes
    (autofocus) and the rest in the order a worker thinks of them."""

    def __init__(
        self,
        *args: Any,
        schools: Any,
        municipality_id: int,
        activity: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        keep = activity
        kept_topics = list(keep.topics.all()) if keep is not None else []
        entries = _catalogue_by_kind(
            municipality_id,
            [
                keep.activity_type_id,
                keep.target_group_id,
                keep.contact_origin_id,
                keep.partner_id,
                *(t.pk for t in kept_topics),
            ]
            if keep is not None
            else (),
        )
        self.fields["date"] = forms.DateField(
            label=_("Date"),
            # The browser offers only dates the service accepts (services.date_problem).
            widget=forms.DateInput(
                attrs={
                    "type": "date",
                    "min": earliest_date().isoformat(),
                    "max": timezone.localdate().isoformat(),
                },
                format="%Y-%m-%d",
            ),
        )
        self.fields["school"] = InstanceChoice(label=_("School"), objects=schools, empty_label=None)
        self.fields["minutes"] = forms.IntegerField(
            label=_("Minutes"),
            min_value=1,
            max_value=720,
            widget=forms.NumberInput(attrs={"autofocus": True, "inputmode": "numeric", "step": 5}),
        )
        self.fields["activity_type"] = InstanceChoice(
            label=_("Activity type"),
            objects=entries[CatalogueKind.ACTIVITY_TYPE],
            label_of=_label,
        )
        self.fields["target_group"] = InstanceChoice(
            label=_("Target group"), objects=entries[CatalogueKind.TARGET_GROUP], label_of=_label
        )
        self.fields["topics"] = InstanceMultipleChoice(
            label=_("Topics"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            objects=entries[CatalogueKind.TOPIC],
            label_of=_label,
        )
        self.genders = entries[CatalogueKind.GENDER]
        self.bands = entries[CatalogueKind.GRADE_BAND]
        existing = {}
        if keep is not None:
            existing = {
                (p.gender_id, p.grade_band_id): p.count for p in keep.participant_counts.all()
            }
        for band in self.bands:
            for gender in self.genders:
                name = f"p_{gender.pk}_{band.pk}"
                # The widget's attributes are set on the field's own widget:
                # a widget instance passed in is deep-copied per field, which
                # cost more than the rest of these twelve fields.
                field = forms.IntegerField(
                    label=f"{gender.label}, {band.label}",
                    required=False,
                    min_value=0,
                    max_value=2000,
                )
                field.widget.attrs.update(GRID_ATTRS)
                self.fields[name] = field
                if (gender.pk, band.pk) in existing:
                    self.initial[name] = existing[(gender.pk, band.pk)]
        self.fields["contact_origin"] = InstanceChoice(
            label=_("How the contact came about"),
            required=False,
            objects=entries[CatalogueKind.CONTACT_ORIGIN],
            label_of=_label,
        )
        self.fields["partner"] = InstanceChoice(
            label=_("Partner involved"),
            required=False,
            objects=entries[CatalogueKind.PARTNER],
            label_of=_label,
        )
        self.fields["follow_up"] = forms.BooleanField(label=_("Follow-up planned"), required=False)
        self.fields["case_code"] = forms.CharField(
            label=_("Anonymous case code"),
            required=False,
            max_length=40,
            help_text=CASE_CODE_HELP
            if keep is None
            else _("Leave empty to keep the case as recorded; a new code replaces it."),
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        )

    def grid(self) -> list[tuple[CatalogueEntry, list[tuple[CatalogueEntry, Any]]]]:
        """Rows (grade bands) × columns (genders) of bound fields, for the template."""
        return [
            (band, [(g, self[f"p_{g.pk}_{band.pk}"]) for g in self.genders]) for band in self.bands
        ]

    def main_fields(self) -> list[Any]:
        return [
            self[name] for name in ("date", "school", "minutes", "activity_type", "target_group")
        ]

    def detail_fields(self) -> list[Any]:
        return [self[name] for name in ("contact_origin", "partner", "follow_up", "case_code")]

    def to_input(self, *, client_id: Any = None) -> ActivityInput:
        data = self.cleaned_data
        participants = {}
        for band in self.bands:
            for gender in self.genders:
                count = data.get(f"p_{gender.pk}_{band.pk}") or 0
                if count:
                    participants[(gender, band)] = count
        return ActivityInput(
            date=data["date"],
            school=data["school"],
            minutes=data["minutes"],
            activity_type=data["activity_type"],
            target_group=data["target_group"],
            topics=tuple(data["topics"]),
            contact_origin=data.get("contact_origin"),
            partner=data.get("partner"),
            follow_up=bool(data.get("follow_up")),
            participants=participants,
            case_code=data.get("case_code", "").strip(),
            client_id=client_id,
        )


class WeekForm(forms.Form):
    """Which week and school the grid shows."""

    week = forms.DateField(
        label=_("Week of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class WeekRowForm(forms.Form):
    """One row of the weekly grid: an activity in short form (participants
    counted with gender "not stated"). Empty rows are skipped."""

    def __init__(
        self,
        *args: Any,
        days: list[datetime.date],
        schools: Any,
        municipality_id: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"] = forms.TypedChoiceField(
            label=_("Day"),
            choices=[(d.isoformat(), d.strftime("%a %d.%m.")) for d in days],
            coerce=datetime.date.fromisoformat,
        )
        self.fields["school"] = InstanceChoice(label=_("School"), objects=schools, empty_label=None)
        self.fields["minutes"] = forms.IntegerField(
            label=_("Minutes"), min_value=1, max_value=720, required=False
        )
        self.fields["activity_type"] = EntryChoice(
            label=_("Activity type"),
            required=False,
            queryset=catalogue(municipality_id=municipality_id, kind=CatalogueKind.ACTIVITY_TYPE),
        )
        self.fields["target_group"] = EntryChoice(
            label=_("Target group"),
            required=False,
            queryset=catalogue(municipality_id=municipality_id, kind=CatalogueKind.TARGET_GROUP),
        )
        self.fields["topic"] = EntryChoice(
            label=_("Topic"),
            required=False,
            queryset=catalogue(municipality_id=municipality_id, kind=CatalogueKind.TOPIC),
        )
        self.fields["participants"] = forms.IntegerField(
            label=_("Participants"), min_value=0, max_value=2000, required=False
        )
        self.fields["grade_band"] = EntryChoice(
            label=_("Grade band"),
            required=False,
            queryset=catalogue(municipality_id=municipality_id, kind=CatalogueKind.GRADE_BAND),
        )
        self.fields["follow_up"] = forms.BooleanField(label=_("Follow-up"), required=False)

    def is_blank(self) -> bool:
        return not self.cleaned_data.get("minutes")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("minutes"):
            for name in ("activity_type", "target_group"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
            if data.get("participants") and not data.get("grade_band"):
                self.add_error("grade_band", _("Choose the grade band of the participants."))
        return data


class CatalogueEntryForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("label",)
    label = forms.CharField(label=_("Label"), max_length=120)


class CatalogueAddForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("label",)
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("Catalogue"), choices=CatalogueKind.choices)
    label = forms.CharField(label=_("Label"), max_length=120)

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].widget = forms.HiddenInput()
            self.initial["municipality"] = municipalities[0].pk


class CatalogueUpdateForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("label",)
    label = forms.CharField(label=_("Label"), max_length=120)
    retired = forms.BooleanField(
        label=_("Retired"),
        required=False,
        help_text=_(
            "A retired entry is no longer offered; existing records and statistics keep it."
        ),
    )


class ApiTokenForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("name",)
    carrier = forms.ModelChoiceField(label=_("Carrier"), queryset=None, empty_label=None)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses the key, e.g. 'Dokumentationssoftware'."),
    )

    def __init__(self, *args: Any, carriers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carrier"].queryset = carriers


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        help_text=_("One activity per row; the first row names the columns (see the handbook)."),
    )


def today() -> datetime.date:
    return timezone.localdate()
