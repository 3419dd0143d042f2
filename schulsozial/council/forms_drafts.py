"""Forms of the drafting pages: start a draft, edit it (its Beratungsfolge as
a formset), submit it with its reference, upload a DOCX template."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from schulsozial.core.privacy import NoPersonalDataMixin

from . import drafting
from .models import Consultation, PaperDraft, PaperTemplate, PaperType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.municipality.name}: {obj.title} (v{obj.number}, {obj.get_status_display()})"


class ScenarioChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.municipality.name}: {obj.name} ({obj.school_year}, {obj.get_status_display()})"
        )


class DraftStartForm(forms.Form):
    """Which kind of paper, and the record it starts from."""

    kind = forms.ChoiceField(
        label=_("kind of paper"),
        choices=PaperDraft.TemplateKind.choices,
        widget=forms.RadioSelect,
        initial=PaperDraft.TemplateKind.FRAMEWORK,
    )
    framework_version = VersionChoice(
        label=_("framework concept version"),
        queryset=None,
        empty_label="–",
        required=False,
        help_text=_("For the framework concept: a draft, a version in consultation or adopted."),
    )
    scenario = ScenarioChoice(
        label=_("distribution scenario"),
        queryset=None,
        empty_label="–",
        required=False,
        help_text=_(
            "For the distribution: the adopted scenario or the one chosen for the council."
        ),
    )
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("municipality"), queryset=None, required=False, empty_label=None
    )
    template: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("own template"),
        queryset=None,
        empty_label="–",
        required=False,
        help_text=_("Optional: the municipality's own Word template for the export."),
    )

    def __init__(
        self,
        *args: Any,
        versions: Any,
        scenarios: Any,
        municipalities: Any,
        templates: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choice("framework_version").queryset = versions
        self._choice("scenario").queryset = scenarios
        self._choice("municipality").queryset = municipalities
        self._choice("template").queryset = templates
        if municipalities.count() <= 1:
            self.fields["municipality"].widget = forms.HiddenInput()
            first = municipalities.first()
            self.fields["municipality"].initial = first.pk if first else None

    def _choice(self, name: str) -> forms.ModelChoiceField[Any]:
        return cast("forms.ModelChoiceField[Any]", self.fields[name])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == PaperDraft.TemplateKind.FRAMEWORK and not data.get("framework_version"):
            self.add_error("framework_version", _("Choose the framework concept version."))
        if kind == PaperDraft.TemplateKind.DISTRIBUTION and not data.get("scenario"):
            self.add_error("scenario", _("Choose the distribution scenario."))
        if kind == PaperDraft.TemplateKind.CUSTOM and not data.get("municipality"):
            self.add_error("municipality", _("Choose the municipality."))
        template = data.get("template")
        municipality = data.get("municipality")
        if (
            template is not None
            and municipality is not None
            and kind == PaperDraft.TemplateKind.CUSTOM
            and template.municipality_id != municipality.pk
        ):
            self.add_error("template", _("The template belongs to another municipality."))
        return data


class DraftForm(NoPersonalDataMixin, forms.ModelForm):
    """The texts of a draft."""

    no_personal_data = ("title", "sachverhalt", "beschlussvorschlag", "attachments_text")

    attachments_text = forms.CharField(
        label=_("annexes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One annex per line, in order; they are listed as Anlage 1, 2, …"),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput())

    class Meta:
        model = PaperDraft
        fields = [
            "title",
            "paper_type",
            "lead_department",
            "author",
            "sachverhalt",
            "beschlussvorschlag",
            "template",
        ]
        widgets = {
            "sachverhalt": forms.Textarea(attrs={"rows": 14}),
            "beschlussvorschlag": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "sachverhalt": _(
                "Paragraphs are separated by a blank line; a line starting with “- ” is a list item."
            ),
            "lead_department": _("e.g. FB 42 – Kinder-Jugend-Familie"),
            "author": _("Name and telephone extension, as on the paper"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        draft = self.instance
        paper_type = cast("forms.ModelChoiceField[Any]", self.fields["paper_type"])
        paper_type.queryset = PaperType.objects.filter(municipality_id=draft.municipality_id)
        paper_type.required = True
        template = cast("forms.ModelChoiceField[Any]", self.fields["template"])
        template.queryset = PaperTemplate.objects.filter(municipality_id=draft.municipality_id)
        template.empty_label = _("built-in layout")
        self.fields["template"].label = _("Word template for the export")
        if not self.is_bound:
            self.initial["attachments_text"] = "\n".join(draft.attachments or [])
            self.initial["lock_version"] = draft.lock_version

    def clean_attachments_text(self) -> list[str]:
        text = drafting.xml_safe(self.cleaned_data.get("attachments_text") or "")
        return [line.strip()[:300] for line in text.splitlines() if line.strip()][:50]


class ConsultationStepForm(forms.Form):
    committee = forms.CharField(
        label=_("committee"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "committees"}),
    )
    date = forms.DateField(label=_("date of the meeting"), required=False, widget=DATE)
    role = forms.ChoiceField(label=_("role"), choices=(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            ("", "–"),
            *((code, drafting.role_label(code)) for code in Consultation.Role.values),
        ]


class BaseStepFormSet(forms.BaseFormSet):
    def steps(self) -> list[dict[str, str]]:
        """The filled rows in order, as PaperDraft.planned_consultations."""
        out = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("committee", "").strip():
                continue
            day = data.get("date")
            out.append(
                {
                    "committee": drafting.xml_safe(data["committee"]).strip(),
                    "date": day.isoformat() if day else "",
                    "role": data.get("role") or "",
                }
            )
        return out


StepFormSet = forms.formset_factory(
    ConsultationStepForm,
    formset=BaseStepFormSet,
    extra=2,
    can_delete=True,
    max_num=20,
    validate_max=True,
)


def step_initial(draft: PaperDraft) -> list[dict[str, Any]]:
    from .selectors_drafts import planned_steps

    return [{"committee": s.body, "date": s.date, "role": s.role} for s in planned_steps(draft)]


class SubmitForm(forms.Form):
    reference = forms.CharField(
        label=_("paper number in the council system"),
        max_length=100,
        required=False,
        help_text=_(
            "e.g. 2026/0123. Leave it empty if the council system has not given one yet: the "
            "draft is marked as submitted and you can enter the number later."
        ),
    )
    date = forms.DateField(label=_("date of the paper"), required=False, widget=DATE)


class TemplateUploadForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    file = forms.FileField(
        label=_("Word file (.docx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".docx,application/vnd.openxmlformats-officedocument"
                ".wordprocessingml.document"
            }
        ),
    )
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("municipality"), queryset=None, empty_label=None
    )

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["municipality"]).queryset = municipalities
        if municipalities.count() <= 1:
            self.fields["municipality"].widget = forms.HiddenInput()
            first = municipalities.first()
            self.fields["municipality"].initial = first.pk if first else None

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > drafting.TEMPLATE_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(n)s MB.")
                % {"n": drafting.TEMPLATE_MAX_BYTES // (1024 * 1024)}
            )
        if not upload.name.lower().endswith(".docx"):
            raise ValidationError(_("The file is not a Word document (.docx)."))
        return upload
