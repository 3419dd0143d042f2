"""Forms of the documentation. Every choice comes from the municipality's
catalogue (usable entries only); there is no free-text field except the
anonymous case code, which is hashed on the server and never shown again."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from functools import partial
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils import formats, timezone
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


class Catalogues:
    """The entries a form offers from several catalogues, read with one
    query when first needed (per form, never shared between requests), so
    that its selects show and validate against one list instead of one
    query each."""

    def __init__(self, entries: QuerySet[CatalogueEntry]) -> None:
        self.entries = entries
        self._by_kind: dict[str, dict[int, CatalogueEntry]] | None = None

    def of(self, kind: str) -> dict[int, CatalogueEntry]:
        """The entries of one kind by pk, in catalogue order."""
        if self._by_kind is None:
            self._by_kind = {}
            for e in self.entries:
                self._by_kind.setdefault(e.kind, {})[e.pk] = e
        return self._by_kind.get(kind, {})

    def find(self, kind: str, value: Any) -> CatalogueEntry | None:
        try:
            return self.of(kind).get(int(str(value)))
        except ValueError:
            return None


class _CatalogueIterator(ModelChoiceIterator):
    """The choices of an entry select from its form's `Catalogues`."""

    def entries(self) -> list[CatalogueEntry]:
        field = cast("EntryChoice | EntryMultipleChoice", self.field)
        if field.catalogues is None:  # not set as such a field's iterator
            return list(field.queryset or ())
        return list(field.catalogues.of(field.kind).values())

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.entries():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.entries()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.entries())


class EntryChoice(forms.ModelChoiceField):
    """One entry of a catalogue, by its label. With `catalogues` (and its
    `kind`), shown and validated from that list, without a query of its own;
    the queryset stays what it offers."""

    def __init__(
        self, *args: Any, catalogues: Catalogues | None = None, kind: str = "", **kwargs: Any
    ) -> None:
        # Before ModelChoiceField.__init__: it hands the widget its iterator.
        self.catalogues, self.kind = catalogues, kind
        if catalogues is not None:
            self.iterator = _CatalogueIterator
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: CatalogueEntry) -> str:
        return obj.label

    def to_python(self, value: Any) -> CatalogueEntry | None:
        if self.catalogues is None:
            return cast("CatalogueEntry | None", super().to_python(value))
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        found = self.catalogues.find(self.kind, value)
        if found is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return found


class EntryMultipleChoice(forms.ModelMultipleChoiceField):
    """Several entries of a catalogue, by their labels; with `catalogues` as
    EntryChoice."""

    def __init__(
        self, *args: Any, catalogues: Catalogues | None = None, kind: str = "", **kwargs: Any
    ) -> None:
        # Before ModelChoiceField.__init__: it hands the widget its iterator.
        self.catalogues, self.kind = catalogues, kind
        if catalogues is not None:
            self.iterator = _CatalogueIterator
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: CatalogueEntry) -> str:
        return obj.label

    def clean(self, value: Any) -> Any:
        """ModelMultipleChoiceField.clean, the values looked up in `catalogues`."""
        if self.catalogues is None:
            return super().clean(value)
        value = self.prepare_value(value)
        if not value:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        found: dict[int, CatalogueEntry] = {}
        for v in value:
            self.validate_no_null_characters(v)
            entry = self.catalogues.find(self.kind, v)
            if entry is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": v},
                )
            found[entry.pk] = entry
        self.run_validators(value)
        return [e for pk, e in self.catalogues.of(self.kind).items() if pk in found]


MINUTES_ATTRS = {"min": 1, "max": 720}
# The catalogues of the entry form (ActivityForm reads them with one query).
ENTRY_KINDS = (
    CatalogueKind.ACTIVITY_TYPE,
    CatalogueKind.TARGET_GROUP,
    CatalogueKind.TOPIC,
    CatalogueKind.GENDER,
    CatalogueKind.GRADE_BAND,
    CatalogueKind.CONTACT_ORIGIN,
    CatalogueKind.PARTNER,
)
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

        # Every catalogue select of the form, shown and validated from one query.
        catalogues = Catalogues(entries(*ENTRY_KINDS))

        def select(kind: str) -> dict[str, Any]:
            return {"queryset": entries(kind), "catalogues": catalogues, "kind": kind}

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
            label=_("Activity type"), **select(CatalogueKind.ACTIVITY_TYPE)
        )
        self.fields["target_group"] = EntryChoice(
            label=_("Target group"), **select(CatalogueKind.TARGET_GROUP)
        )
        self.fields["topics"] = EntryMultipleChoice(
            label=_("Topics"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            **select(CatalogueKind.TOPIC),
        )
        # The participant grid needs its rows and columns to build its fields.
        self.genders = list(catalogues.of(CatalogueKind.GENDER).values())
        self.bands = list(catalogues.of(CatalogueKind.GRADE_BAND).values())
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
            **select(CatalogueKind.CONTACT_ORIGIN),
        )
        self.fields["partner"] = EntryChoice(
            label=_("Partner involved"), required=False, **select(CatalogueKind.PARTNER)
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


def day_label(day: datetime.date) -> str:
    """A day of the grid in the active language's words ("Mo, 30.11.")."""
    return formats.date_format(day, "D, d.m.")


# The catalogues of the weekly grid, read with one query for all its rows.
WEEK_KINDS = (
    CatalogueKind.ACTIVITY_TYPE,
    CatalogueKind.TARGET_GROUP,
    CatalogueKind.TOPIC,
    CatalogueKind.GRADE_BAND,
)
MINUTES_RANGE = _("Minutes must be between 1 and 720.")
PARTICIPANTS_RANGE = _("A participant count lies between 0 and 2000.")


class WeekRowForm(forms.Form):
    """One row of the weekly grid: an activity in short form (participants
    counted with gender "not stated"), with several topics as on the entry
    form. Rows without minutes and without anything else are skipped."""

    # What tells a row meant as a record from an empty one (day and school
    # come preselected in every row).
    content = ("activity_type", "target_group", "topics", "participants", "grade_band")

    def __init__(
        self,
        *args: Any,
        days: list[datetime.date],
        schools: Any,
        catalogues: Catalogues,
        municipality_id: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)

        def select(kind: str) -> dict[str, Any]:
            return {
                "queryset": catalogue(municipality_id=municipality_id, kind=kind),
                "catalogues": catalogues,
                "kind": kind,
            }

        self.day_labels = {d.isoformat(): day_label(d) for d in days}
        self.fields["day"] = forms.TypedChoiceField(
            label=_("Day"),
            choices=list(self.day_labels.items()),
            coerce=datetime.date.fromisoformat,
        )
        self.fields["school"] = forms.ModelChoiceField(
            label=_("School"), queryset=schools, empty_label=None
        )
        self.fields["minutes"] = forms.IntegerField(
            label=_("Minutes"),
            required=False,
            min_value=1,
            max_value=720,
            error_messages={"min_value": MINUTES_RANGE, "max_value": MINUTES_RANGE},
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5, **MINUTES_ATTRS}),
        )
        self.fields["activity_type"] = EntryChoice(
            label=_("Activity type"),
            required=False,
            empty_label="–",
            **select(CatalogueKind.ACTIVITY_TYPE),
        )
        self.fields["target_group"] = EntryChoice(
            label=_("Target group"),
            required=False,
            empty_label="–",
            **select(CatalogueKind.TARGET_GROUP),
        )
        self.fields["participants"] = forms.IntegerField(
            label=_("Participants"),
            required=False,
            min_value=0,
            max_value=2000,
            error_messages={"min_value": PARTICIPANTS_RANGE, "max_value": PARTICIPANTS_RANGE},
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 2000}),
        )
        self.fields["grade_band"] = EntryChoice(
            label=_("Grade band"),
            required=False,
            empty_label="–",
            **select(CatalogueKind.GRADE_BAND),
        )
        self.fields["follow_up"] = forms.BooleanField(label=_("Follow-up"), required=False)
        self.fields["topics"] = EntryMultipleChoice(
            label=_("Topics"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            **select(CatalogueKind.TOPIC),
        )

    def is_blank(self) -> bool:
        return not self.cleaned_data.get("minutes")

    def day_text(self) -> str:
        """The row's day as shown in its select ("" when none is chosen)."""
        value = str(self["day"].value() or "")
        return self.day_labels.get(value, "")

    def fields_grid(self) -> list[Any]:
        """The fields of the row's grid, in order (the topics follow apart)."""
        return [self[name] for name in self.fields if name != "topics"]

    def chosen_topics(self) -> list[str]:
        """The labels of the topics ticked in the row (as shown, bound or not)."""
        return [str(c.choice_label) for c in self["topics"] if c.data["selected"]]

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
            topics=tuple(data.get("topics") or ()),
            follow_up=data["follow_up"],
            participants=participants,
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("minutes"):
            for name in ("activity_type", "target_group"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("This field is required."))
            if data.get("participants") and not data.get("grade_band"):
                self.add_error("grade_band", _("Choose the grade band of the participants."))
        elif "minutes" not in self.errors and any(data.get(name) for name in self.content):
            # Filled in but without minutes: say so rather than drop the row.
            self.add_error("minutes", _("Enter the minutes of this activity, or empty the row."))
        return data


class WeekFormSet(forms.BaseFormSet):
    """The rows of the weekly grid. Every row offers the same schools and
    catalogue entries: the catalogues are read once for the grid
    (`Catalogues`), the schools once when shown, not once per row. Rows left
    as shown are not validated (Django skips an unchanged extra form)."""

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        self.catalogues = Catalogues(
            selectors.catalogue_for_entry(municipality_id=municipality_id, kinds=WEEK_KINDS)
        )
        self.municipality_id = municipality_id
        self._schools_read: list[Any] | None = None
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(index),
            "catalogues": self.catalogues,
            "municipality_id": self.municipality_id,
        }

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        field = cast("forms.ModelChoiceField[Any]", form.fields["school"])
        field.choices = partial(self._school_choices, field)

    def _school_choices(self, field: forms.ModelChoiceField[Any]) -> list[Any]:
        if self._schools_read is None:
            self._schools_read = list(iter(field.iterator(field)))  # a list() would count first
        return self._schools_read

    def add_row_problems(self, problems: list[tuple[int, str, str]]) -> None:
        """Put the service's refusals (row number from 1, field, reason) on
        the rows and fields they concern."""
        names = {"date": "day"}
        for number, name, reason in problems:
            if not 1 <= number <= len(self.forms):
                continue
            form = self.forms[number - 1]
            field = names.get(name, name)
            form.add_error(field if field in form.fields else None, reason)

    def row_errors(self) -> list[tuple[str, str]]:
        """Every error of the rows as (id of the field to go to, German text
        naming the row, its day, the field and the reason)."""
        found = []
        for number, form in enumerate(self.forms, start=1):
            day = form.day_text()
            for name, messages in form.errors.items():
                bound = form[name] if name in form.fields else form["minutes"]
                target = bound.id_for_label or bound.auto_id
                for message in messages:
                    values = {"n": number, "day": day, "reason": message}
                    if name in form.fields:
                        values["field"] = form.fields[name].label
                        text = (
                            _("Row %(n)s (%(day)s), %(field)s: %(reason)s")
                            if day
                            else _("Row %(n)s, %(field)s: %(reason)s")
                        )
                    else:
                        text = (
                            _("Row %(n)s (%(day)s): %(reason)s")
                            if day
                            else _("Row %(n)s: %(reason)s")
                        )
                    found.append((target, str(text) % values))
        return found


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
