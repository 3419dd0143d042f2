"""Forms bind and validate input; the services do the writing."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schulsozial.accounts.models import Role
from schulsozial.core.privacy import NoPersonalDataMixin

from .models import (
    DEFAULT_TRANSITION_MONTHS,
    MAX_TRANSITION_MONTHS,
    ConsultationComment,
    ConsultationInvitation,
    FrameworkSection,
    Idea,
    LinkedConcept,
    SchoolConcept,
    Standard,
    YearlyGoal,
)

if TYPE_CHECKING:
    from schulsozial.accounts.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 14})
SHORT = forms.Textarea(attrs={"rows": 4})


class FrameworkCreateForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=300)

    def __init__(self, *args: Any, municipalities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = forms.ModelChoiceField(
            queryset=municipalities, label=_("municipality"), empty_label=None
        )
        self.fields = {"municipality": field, **self.fields}
        if municipalities is not None and municipalities.count() == 1:
            field.initial = municipalities.first()
            field.widget = forms.HiddenInput()


class LockedForm(forms.Form):
    """A form with the lock version the editor started from."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class FrameworkSectionForm(NoPersonalDataMixin, LockedForm):
    no_personal_data = ("text",)
    title = forms.CharField(label=_("title"), max_length=200)
    text = forms.CharField(
        label=_("text (Markdown)"),
        widget=TEXT,
        required=False,
        help_text=_("Markdown: blank line = new paragraph, - for lists, **bold**, *italic*."),
    )
    required_for_school = forms.BooleanField(label=_("required in school concepts"), required=False)
    linked_concepts = forms.ModelMultipleChoiceField(
        label=_("linked concepts"),
        queryset=LinkedConcept.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, linked: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if linked is not None:
            field = cast(
                "forms.ModelMultipleChoiceField[LinkedConcept]", self.fields["linked_concepts"]
            )
            field.queryset = linked


class SectionAddForm(forms.ModelForm):
    class Meta:
        model = FrameworkSection
        fields = ["key", "title", "required_for_school"]


class StandardForm(forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Standard
        fields = ["code", "title", "description", "dimension", "indicators", "binding"]
        widgets = {"description": SHORT, "indicators": SHORT}


class ConsultationForm(forms.Form):
    opens = forms.DateField(label=_("consultation opens"), widget=DATE)
    closes = forms.DateField(label=_("consultation closes"), widget=DATE)
    roles = forms.MultipleChoiceField(
        label=_("invite everybody with the role"),
        choices=[(r, Role(r).label) for r in ConsultationInvitation.INVITABLE_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    users: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("invite persons"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, users: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelMultipleChoiceField[User]", self.fields["users"]).queryset = users
        day = timezone.localdate()
        self.fields["opens"].initial = day
        self.fields["closes"].initial = day + datetime.timedelta(days=28)


class CommentForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("text",)
    target = forms.ChoiceField(label=_("on"))
    text = forms.CharField(label=_("comment"), widget=SHORT)

    def __init__(self, *args: Any, version: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(f"section-{s.pk}", s.title) for s in version.sections.all()]
        choices += [(f"standard-{s.pk}", f"{s.code} {s.title}") for s in version.standards.all()]
        cast(forms.ChoiceField, self.fields["target"]).choices = choices


class AnswerForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("reason",)
    answer = forms.ChoiceField(
        label=_("answer"),
        choices=[c for c in ConsultationComment.Answer.choices if c[0] != "open"],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("reason"), widget=SHORT)


def paper_label(paper: Any) -> str:
    return f"{paper.reference} – {paper.title}"


class AdoptForm(forms.Form):
    """The council decision: a paper already recorded (council), or a new one
    from the deciding body, date and paper number."""

    paper: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("council paper (already recorded)"),
        queryset=None,
        required=False,
        empty_label=_("– record a new paper below –"),
        help_text=_(
            "A paper with its Beratungsfolge, e.g. pasted on the page Ratsvorlagen. A paper that "
            "the committees only took note of puts the version in force, but it is not shown as "
            "adopted by the council."
        ),
    )
    decision_body = forms.CharField(
        label=_("deciding body"), max_length=200, initial="Jugendhilfeausschuss", required=False
    )
    decision_date = forms.DateField(label=_("date of decision"), widget=DATE, required=False)
    paper_number = forms.CharField(label=_("council paper number"), max_length=50, required=False)
    review_due = forms.DateField(
        label=_("review due"),
        widget=DATE,
        required=False,
        help_text=_("Empty: three years after the decision."),
    )
    transition_months = forms.IntegerField(
        label=_("transition period (months)"),
        min_value=0,
        max_value=MAX_TRANSITION_MONTHS,
        initial=DEFAULT_TRANSITION_MONTHS,
        required=False,
        help_text=_(
            "School concepts approved on the earlier version stay valid for this many months "
            "after the decision (0: no transition period; empty: 6 months)."
        ),
    )

    def __init__(
        self,
        *args: Any,
        consultation_open: bool = False,
        papers: Any = None,
        older_warning: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        paper_field = cast(forms.ModelChoiceField, self.fields["paper"])
        paper_field.queryset = papers
        paper_field.label_from_instance = paper_label  # type: ignore[assignment]
        if older_warning:
            self.fields["confirm_older_decision"] = forms.BooleanField(
                label=_("I confirm: the older decision shall replace the version in force."),
                required=False,
            )
        if consultation_open:
            self.fields["confirm_open_consultation"] = forms.BooleanField(
                label=_(
                    "I confirm: the council has decided, the consultation ends early with "
                    "this adoption."
                ),
                required=False,
            )

    def clean_transition_months(self) -> int:
        months = self.cleaned_data.get("transition_months")
        return DEFAULT_TRANSITION_MONTHS if months is None else months

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("paper") is None:
            for name in ("decision_body", "decision_date", "paper_number"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        _("Choose a recorded council paper above or fill in this field."),
                    )
        return data


class TransitionPeriodForm(forms.Form):
    transition_months = forms.IntegerField(
        label=_("transition period (months)"),
        min_value=0,
        max_value=MAX_TRANSITION_MONTHS,
        help_text=_(
            "School concepts approved on an earlier version stay valid for this many months "
            "after the decision (0: no transition period)."
        ),
    )


class IdeaForm(NoPersonalDataMixin, forms.ModelForm):
    no_personal_data = ("text",)

    class Meta:
        model = Idea
        fields = ["text", "cornerstone", "section_key"]
        widgets = {"text": SHORT}

    def __init__(self, *args: Any, municipalities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = forms.ModelChoiceField(
            queryset=municipalities, label=_("municipality"), empty_label=None
        )
        self.fields = {"in_municipality": field, **self.fields}
        if municipalities.count() == 1:
            field.initial = municipalities.first()
            field.widget = forms.HiddenInput()
        from .models import DEFAULT_SECTIONS

        self.fields["section_key"] = forms.ChoiceField(
            label=_("section"),
            choices=[("", "–")] + [(k, t) for k, t in DEFAULT_SECTIONS],
            required=False,
        )


class _SectionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: FrameworkSection) -> str:
        return f"{obj.version}: {obj.title}"


class IdeaConvertForm(forms.Form):
    into = forms.ChoiceField(
        label=_("take up as"),
        choices=[
            ("comment", _("consultation comment")),
            ("change", _("change to the draft text")),
        ],
        widget=forms.RadioSelect,
    )
    section = _SectionChoice(label=_("section"), queryset=None, empty_label=None)

    def __init__(self, *args: Any, sections: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(_SectionChoice, self.fields["section"]).queryset = sections


class LinkedConceptForm(NoPersonalDataMixin, forms.ModelForm):
    no_personal_data = ("description",)
    url = forms.URLField(label=_("link"), required=False, assume_scheme="https")

    class Meta:
        model = LinkedConcept
        fields = ["kind", "title", "owner", "url", "file", "description"]
        widgets = {"description": SHORT}

    def __init__(self, *args: Any, municipalities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            field = forms.ModelChoiceField(
                queryset=municipalities, label=_("municipality"), empty_label=None
            )
            self.fields = {"in_municipality": field, **self.fields}
            if municipalities.count() == 1:
                field.initial = municipalities.first()
                field.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("url") and not data.get("file") and not self.instance.file:
            raise forms.ValidationError(_("Give a link or a file."))
        return data


REQUIRED_PART_HINT = _(
    "Required part of the school concept: the concept can be submitted once it is filled in. "
    "Markdown: blank line = new paragraph, - for lists, **bold**, *italic*."
)


class RequiredPartMixin:
    """A required section or binding standard is labelled as required, not
    optional. (The completeness list links to the form, #editor: the page
    scrolls to it and the next Tab lands in the text; no autofocus, which
    would skip the skip link.)"""

    fields: dict[str, Any]

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        if required:
            field.required = True
            field.help_text = REQUIRED_PART_HINT


class SchoolTextForm(RequiredPartMixin, NoPersonalDataMixin, LockedForm):
    no_personal_data = ("text",)
    text = forms.CharField(label=_("text (Markdown)"), widget=TEXT, required=False)


class ImplementationForm(RequiredPartMixin, NoPersonalDataMixin, LockedForm):
    no_personal_data = ("text", "deviation_reason")
    text = forms.CharField(
        label=_("how the school implements this standard (Markdown)"), widget=TEXT, required=False
    )
    deviation = forms.BooleanField(label=_("local deviation"), required=False)
    deviation_reason = forms.CharField(
        label=_("reason for the deviation"), widget=SHORT, required=False
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("deviation") and not (data.get("deviation_reason") or "").strip():
            self.add_error("deviation_reason", _("A local deviation needs a reason."))
        return data


class TransitionForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("comment",)
    comment = forms.CharField(label=_("comment"), widget=SHORT, required=False)


class ReviewIntervalForm(forms.ModelForm):
    class Meta:
        model = SchoolConcept
        fields = ["review_interval_years"]


class YearlyGoalForm(NoPersonalDataMixin, forms.ModelForm):
    no_personal_data = ("goal", "measures")

    class Meta:
        model = YearlyGoal
        fields = ["school_year", "goal", "measures", "responsible"]
        widgets = {"measures": SHORT}


class GoalReviewForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("review_comment",)
    review = forms.ChoiceField(
        label=_("review at year end"),
        choices=[c for c in YearlyGoal.Review.choices if c[0] != "open"],
        widget=forms.RadioSelect,
    )
    review_comment = forms.CharField(label=_("review comment"), widget=SHORT)
