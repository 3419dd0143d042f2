"""Forms of the documentation. Every choice comes from the municipality's
catalogue (usable entries only); there is no free-text field except the
anonymous case code, which is hashed on the server and never shown again."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CatalogueEntry, CatalogueKind
from .selectors import catalogue
from .services import ActivityInput

CASE_CODE_HELP = _(
    "Optional: a code you choose for a case, e.g. 'K17'. Never a name or initials. "
    "It is stored only as a hash for this school and counts distinct cases."
)


class EntryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: CatalogueEntry) -> str:
        return obj.label


class EntryMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: CatalogueEntry) -> str:
        return obj.label


def _entries(municipality_id: int, kind: str, keep: Any = None) -> Any:
    """Usable entries, plus the ones a record being corrected already uses."""
    usable = catalogue(municipality_id=municipality_id, kind=kind)
    if keep:
        ids = [e.pk for e in keep] if isinstance(keep, list | tuple) else [keep.pk]
        return (usable | CatalogueEntry.objects.filter(pk__in=ids)).distinct()
    return usable


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
        self.fields["date"] = forms.DateField(
            label=_("Date"),
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
        self.fields["school"] = forms.ModelChoiceField(
            label=_("School"), queryset=schools, empty_label=None
        )
        self.fields["minutes"] = forms.IntegerField(
            label=_("Minutes"),
            min_value=1,
            max_value=720,
            widget=forms.NumberInput(attrs={"autofocus": True, "inputmode": "numeric", "step": 5}),
        )
        self.fields["activity_type"] = EntryChoice(
            label=_("Activity type"),
            queryset=_entries(
                municipality_id, CatalogueKind.ACTIVITY_TYPE, keep and keep.activity_type
            ),
        )
        self.fields["target_group"] = EntryChoice(
            label=_("Target group"),
            queryset=_entries(
                municipality_id, CatalogueKind.TARGET_GROUP, keep and keep.target_group
            ),
        )
        self.fields["topics"] = EntryMultipleChoice(
            label=_("Topics"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            queryset=_entries(
                municipality_id, CatalogueKind.TOPIC, list(keep.topics.all()) if keep else None
            ),
        )
        self.genders = list(catalogue(municipality_id=municipality_id, kind=CatalogueKind.GENDER))
        self.bands = list(catalogue(municipality_id=municipality_id, kind=CatalogueKind.GRADE_BAND))
        existing = {}
        if keep is not None:
            existing = {
                (p.gender_id, p.grade_band_id): p.count for p in keep.participant_counts.all()
            }
        for band in self.bands:
            for gender in self.genders:
                name = f"p_{gender.pk}_{band.pk}"
                self.fields[name] = forms.IntegerField(
                    label=f"{gender.label}, {band.label}",
                    required=False,
                    min_value=0,
                    max_value=2000,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "grid-count"}),
                )
                if (gender.pk, band.pk) in existing:
                    self.initial[name] = existing[(gender.pk, band.pk)]
        self.fields["contact_origin"] = EntryChoice(
            label=_("How the contact came about"),
            required=False,
            queryset=_entries(
                municipality_id, CatalogueKind.CONTACT_ORIGIN, keep and keep.contact_origin
            ),
        )
        self.fields["partner"] = EntryChoice(
            label=_("Partner involved"),
            required=False,
            queryset=_entries(municipality_id, CatalogueKind.PARTNER, keep and keep.partner),
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
        self.fields["school"] = forms.ModelChoiceField(
            label=_("School"), queryset=schools, empty_label=None
        )
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


class CatalogueEntryForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=120)


class CatalogueAddForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("Catalogue"), choices=CatalogueKind.choices)
    label = forms.CharField(label=_("Label"), max_length=120)

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].widget = forms.HiddenInput()
            self.initial["municipality"] = municipalities[0].pk


class CatalogueUpdateForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=120)
    retired = forms.BooleanField(
        label=_("Retired"),
        required=False,
        help_text=_(
            "A retired entry is no longer offered; existing records and statistics keep it."
        ),
    )


class ApiTokenForm(forms.Form):
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
