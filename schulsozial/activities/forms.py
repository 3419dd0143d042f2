"""Forms of the documentation. Every choice comes from the municipality's
catalogue (usable entries only); there is no free-text field except the
anonymous case code, which is hashed on the server and never shown again."""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schulsozial.core.privacy import NoPersonalDataMixin
from schulsozial.masterdata.models import Carrier, Municipality

from . import selectors
from .models import CatalogueEntry, CatalogueKind
from .selectors import catalogue
from .services import ActivityInput, earliest_date

CASE_CODE_HELP = _(
    "Optional: a code you choose for a case, e.g. 'K17'. Never a name or initials. "
    "It is stored only as a hash for this school and counts distinct cases."
)


class EntryChoice(forms.ModelChoiceField):
    """One entry of a catalogue, by its label."""

    def label_from_instance(self, obj: CatalogueEntry) -> str:
        return obj.label


class EntryMultipleChoice(forms.ModelMultipleChoiceField):
    """Several entries of a catalogue, by their labels."""

    def label_from_instance(self, obj: CatalogueEntry) -> str:
        return obj.label


MINUTES_ATTRS = {"min": 1, "max": 720}
GRID_ATTRS = {"inputmode": "numeric", "class": "grid-count", "min": 0, "max": 2000}


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
        # The catalogues offered: the municipality's usable entries, and those
        # a record being corrected uses already (retired since, still valid).
        keep = (
            [
                activity.activity_type_id,
                activity.target_group_id,
                activity.contact_origin_id,
                activity.partner_id,
                *activity.topics.values_list("pk", flat=True),
            ]
            if activity is not None
            else []
        )

        def entries(*kinds: str) -> QuerySet[CatalogueEntry]:
            return selectors.catalogue_for_entry(
                municipality_id=municipality_id, kinds=kinds, keep_ids=keep
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
        self.fields["school"] = forms.ModelChoiceField(
            label=_("School"), queryset=schools, empty_label=None
        )
        # The ranges are the service's rule (services.record_problems); the
        # widget only tells the browser.
        self.fields["minutes"] = forms.IntegerField(
            label=_("Minutes"),
            widget=forms.NumberInput(
                attrs={"autofocus": True, "inputmode": "numeric", "step": 5, **MINUTES_ATTRS}
            ),
        )
        self.fields["activity_type"] = EntryChoice(
            label=_("Activity type"), queryset=entries(CatalogueKind.ACTIVITY_TYPE)
        )
        self.fields["target_group"] = EntryChoice(
            label=_("Target group"), queryset=entries(CatalogueKind.TARGET_GROUP)
        )
        self.fields["topics"] = EntryMultipleChoice(
            label=_("Topics"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            queryset=entries(CatalogueKind.TOPIC),
        )
        # The participant grid needs its rows and columns to build its fields.
        grid = list(entries(CatalogueKind.GENDER, CatalogueKind.GRADE_BAND))
        self.genders = [e for e in grid if e.kind == CatalogueKind.GENDER]
        self.bands = [e for e in grid if e.kind == CatalogueKind.GRADE_BAND]
        existing = {}
        if activity is not None:
            existing = {
                (p.gender_id, p.grade_band_id): p.count for p in activity.participant_counts.all()
            }
        for band in self.bands:
            for gender in self.genders:
                name = f"p_{gender.pk}_{band.pk}"
                field = forms.IntegerField(label=f"{gender.label}, {band.label}", required=False)
                field.widget.attrs.update(GRID_ATTRS)
                self.fields[name] = field
                if (gender.pk, band.pk) in existing:
                    self.initial[name] = existing[(gender.pk, band.pk)]
        self.fields["contact_origin"] = EntryChoice(
            label=_("How the contact came about"),
            required=False,
            queryset=entries(CatalogueKind.CONTACT_ORIGIN),
        )
        self.fields["partner"] = EntryChoice(
            label=_("Partner involved"), required=False, queryset=entries(CatalogueKind.PARTNER)
        )
        self.fields["follow_up"] = forms.BooleanField(label=_("Follow-up planned"), required=False)
        self.fields["case_code"] = forms.CharField(
            label=_("Anonymous case code"),
            required=False,
            max_length=40,
            help_text=CASE_CODE_HELP
            if activity is None
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
            label=_("Minutes"),
            required=False,
            widget=forms.NumberInput(attrs=MINUTES_ATTRS),
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
            label=_("Participants"),
            required=False,
            widget=forms.NumberInput(attrs={"min": 0, "max": 2000}),
        )
        self.fields["grade_band"] = EntryChoice(
            label=_("Grade band"),
            required=False,
            queryset=catalogue(municipality_id=municipality_id, kind=CatalogueKind.GRADE_BAND),
        )
        self.fields["follow_up"] = forms.BooleanField(label=_("Follow-up"), required=False)

    def is_blank(self) -> bool:
        return not self.cleaned_data.get("minutes")

    def to_input(self, *, not_stated: CatalogueEntry | None) -> ActivityInput:
        """The row as a record; its participants counted under the gender
        "not stated" (`not_stated`; none counted without that entry)."""
        data = self.cleaned_data
        participants = {}
        if data.get("participants") and not_stated is not None:
            participants[(not_stated, data["grade_band"])] = data["participants"]
        return ActivityInput(
            date=data["day"],
            school=data["school"],
            minutes=data["minutes"],
            activity_type=data["activity_type"],
            target_group=data["target_group"],
            topics=(data["topic"],) if data.get("topic") else (),
            follow_up=data["follow_up"],
            participants=participants,
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("minutes"):
            for name in ("activity_type", "target_group"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
            if data.get("participants") and not data.get("grade_band"):
                self.add_error("grade_band", _("Choose the grade band of the participants."))
        return data


class WeekFormSet(forms.BaseFormSet):
    """The rows of the weekly grid. Every row offers the same schools and
    catalogue entries, so each select's choices are read once for the grid
    when it is shown (one query per select), not once per row. Rows left as
    shown are not validated (Django skips an unchanged extra form)."""

    shared = ("school", "activity_type", "target_group", "topic", "grade_band")

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        for name in self.shared:
            field = cast("forms.ModelChoiceField[Any]", form.fields[name])  # WeekRowForm's selects
            field.choices = partial(self._shared_choices, name, field)

    def _shared_choices(self, name: str, field: forms.ModelChoiceField[Any]) -> list[Any]:
        found: dict[str, list[Any]] = self.__dict__.setdefault("_choices_read", {})
        if name not in found:
            found[name] = list(iter(field.iterator(field)))  # a list() would count first
        return found[name]


class CatalogueEntryForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("label",)
    label = forms.CharField(label=_("Label"), max_length=120)


class CatalogueAddForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("label",)
    municipality: forms.ModelChoiceField[Municipality] = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None, empty_label=None
    )
    kind = forms.ChoiceField(label=_("Catalogue"), choices=CatalogueKind.choices)
    label = forms.CharField(label=_("Label"), max_length=120)

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField[Municipality], self.fields["municipality"]
        ).queryset = municipalities
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
    carrier: forms.ModelChoiceField[Carrier] = forms.ModelChoiceField(
        label=_("Carrier"), queryset=None, empty_label=None
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses the key, e.g. 'Dokumentationssoftware'."),
    )

    def __init__(self, *args: Any, carriers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Carrier]", self.fields["carrier"]).queryset = carriers


class ImportMappingForm(forms.Form):
    """A category name of an import file that is not in the catalogue, and
    the municipality's entry it means (left empty: not mapped yet)."""

    kind = forms.ChoiceField(choices=CatalogueKind.choices, widget=forms.HiddenInput)
    source = forms.CharField(max_length=200, widget=forms.HiddenInput)
    entry = EntryChoice(
        label=_("catalogue entry"), queryset=CatalogueEntry.objects.none(), required=False
    )

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self["kind"].value()
        self.kind_label = CatalogueKind(kind).label if kind in CatalogueKind.values else ""
        if self.kind_label:
            entry = cast(EntryChoice, self.fields["entry"])
            entry.queryset = catalogue(municipality_id=municipality_id, kind=kind)
            entry.empty_label = "–"


ImportMappingFormSet = forms.formset_factory(
    ImportMappingForm, extra=0, max_num=500, absolute_max=500
)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        help_text=_("One activity per row; the first row names the columns (see the handbook)."),
    )


def today() -> datetime.date:
    return timezone.localdate()
