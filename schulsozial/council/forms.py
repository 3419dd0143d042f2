"""Forms of the council pages: a paper with its Beratungsfolge (a formset),
the paste page, an attachment and a link. They validate input only; the
services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RESULT_SUGGESTIONS, Consultation, Paper, PaperType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MISSING_HELP = _("Not found in the pasted text: please fill in by hand.")

# The parser's role words (council.paste) -> Consultation.Role.
ROLE_WORDS = {
    "anhörung": Consultation.Role.HEARING,
    "vorberatung": Consultation.Role.PRELIMINARY,
    "beratung": Consultation.Role.DELIBERATION,
    "kenntnisnahme": Consultation.Role.INFORMATION,
    "entscheidung": Consultation.Role.DECISION,
}
STATUS_WORDS = {"öffentlich": Paper.Status.PUBLIC, "nichtöffentlich": Paper.Status.NON_PUBLIC}


class PaperForm(forms.Form):
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("municipality"), queryset=None
    )
    reference = forms.CharField(label=_("paper number"), max_length=100)
    title = forms.CharField(label=_("subject"), max_length=500)
    paper_type = forms.ModelChoiceField(
        label=_("paper type"), queryset=PaperType.objects.none(), required=False, empty_label="–"
    )
    new_paper_type = forms.CharField(
        label=_("other paper type"),
        max_length=100,
        required=False,
        help_text=_("Only when the list above does not have it: it is added to the list."),
    )
    status = forms.ChoiceField(label=_("status"), choices=Paper.Status.choices)
    lead_department = forms.CharField(label=_("lead department"), max_length=300, required=False)
    author = forms.CharField(label=_("author"), max_length=300, required=False)
    date = forms.DateField(label=_("date"), widget=DATE, required=False)
    beschlussvorschlag = forms.CharField(
        label=_("proposed resolution"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    sachverhalt = forms.CharField(
        label=_("statement of facts"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )
    web_url = forms.URLField(
        label=_("link to the council system"), required=False, assume_scheme="https"
    )

    def __init__(
        self,
        *args: Any,
        municipalities: Any,
        paper_types: Any,
        missing: list[str] | None = None,
        fixed_municipality: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["municipality"])
        field.queryset = municipalities
        if fixed_municipality is not None or municipalities.count() == 1:
            field.initial = fixed_municipality or municipalities.first()
            field.widget = forms.HiddenInput()
        cast(forms.ModelChoiceField, self.fields["paper_type"]).queryset = paper_types
        for name in missing or []:
            if name in self.fields:
                self.fields[name].help_text = MISSING_HELP
                self.fields[name].widget.attrs["data-missing"] = "true"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("paper_type")
        municipality = data.get("municipality")
        if (
            kind is not None
            and municipality is not None
            and kind.municipality_id != municipality.pk
        ):
            self.add_error("paper_type", _("This paper type belongs to another municipality."))
        return data

    def paper_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reference": data["reference"],
            "title": data["title"],
            "paper_type": data["new_paper_type"].strip() or data.get("paper_type"),
            "status": data["status"],
            "lead_department": data["lead_department"],
            "author": data["author"],
            "date": data["date"],
            "beschlussvorschlag": data["beschlussvorschlag"],
            "sachverhalt": data["sachverhalt"],
            "web_url": data["web_url"],
        }


class ConsultationForm(forms.Form):
    committee = forms.CharField(
        label=_("committee"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "committee-names"}),
    )
    date = forms.DateField(label=_("date of the meeting"), widget=DATE, required=False)
    role = forms.ChoiceField(
        label=_("role in the consultation"),
        choices=[("", "–"), *Consultation.Role.choices],
        required=False,
    )
    result = forms.CharField(
        label=_("result"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"list": "result-suggestions"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("committee") and any(data.get(k) for k in ("date", "role", "result")):
            self.add_error("committee", _("Every consultation needs its committee."))
        return data


ConsultationFormSet = forms.formset_factory(
    ConsultationForm, extra=2, can_delete=True, max_num=30, validate_max=True
)


class PasteForm(forms.Form):
    text = forms.CharField(
        label=_("text of the paper"),
        widget=forms.Textarea(attrs={"rows": 18}),
        max_length=200_000,
        help_text=_(
            "Copy the whole page of the paper from the council information system (or the text "
            "of its PDF) and paste it here. You check the record before it is saved."
        ),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("file"), help_text=_("PDF, DOCX, XLSX, ODT, PNG or JPEG, at most 20 MB.")
    )
    name = forms.CharField(label=_("name"), max_length=255, required=False)


class LinkForm(forms.Form):
    framework_version: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("framework concept version"), queryset=None, required=False, empty_label="–"
    )
    scenario: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("distribution scenario"), queryset=None, required=False, empty_label="–"
    )
    school_year: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("school concepts of the school year"),
        queryset=None,
        required=False,
        empty_label="–",
    )

    def __init__(self, *args: Any, versions: Any, scenarios: Any, years: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["framework_version"]).queryset = versions
        cast(forms.ModelChoiceField, self.fields["scenario"]).queryset = scenarios
        cast(forms.ModelChoiceField, self.fields["school_year"]).queryset = years

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [k for k in ("framework_version", "scenario", "school_year") if data.get(k)]
        if len(chosen) != 1:
            raise forms.ValidationError(_("Choose exactly one object the paper concerns."))
        return data


def consultation_initial(paper: Paper) -> list[dict[str, Any]]:
    return [
        {"committee": c.committee.name, "date": c.date, "role": c.role, "result": c.result}
        for c in paper.consultations.all()
    ]


def result_suggestions() -> list[str]:
    return RESULT_SUGGESTIONS
