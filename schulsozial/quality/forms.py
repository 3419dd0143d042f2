"""Forms of quality management (Django forms; the services validate again)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from schulsozial.concepts.models import Standard, YearlyGoal
from schulsozial.masterdata.models import Carrier, School, SchoolType, SchoolYear

from .models import DialogueParticipant, QualitySettings, Rating, SelfEvaluation
from .services import ChangeInput, ParticipantInput, RatingInput

NOT_APPLICABLE = "na"
TEXTAREA = {"rows": 2}


class RatingForm(forms.Form):
    """One perspective's ratings of every standard, field names ``s<pk>-<field>``."""

    summary = forms.CharField(
        label=_("overall assessment"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(
        self,
        *args: Any,
        standards: list[Standard],
        scale: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.standards = standards
        choices = [(str(v), label) for v, label in scale] + [
            (NOT_APPLICABLE, str(_("not applicable")))
        ]
        for s in standards:
            p = f"s{s.pk}-"
            self.fields[p + "value"] = forms.ChoiceField(
                label=_("rating"), choices=choices, required=False, widget=forms.RadioSelect
            )
            self.fields[p + "reason"] = forms.CharField(
                label=_("reason (not applicable)"),
                required=False,
                widget=forms.Textarea(attrs=TEXTAREA),
            )
            self.fields[p + "evidence"] = forms.CharField(
                label=_("evidence"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
            )
            self.fields[p + "strengths"] = forms.CharField(
                label=_("strengths"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
            )
            self.fields[p + "next_steps"] = forms.CharField(
                label=_("next steps"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
            )
            self.fields[p + "level"] = forms.ChoiceField(
                label=_("minimum or target standard"),
                choices=Rating.Level.choices,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for s in self.standards:
            p = f"s{s.pk}-"
            if (
                data.get(p + "value") == NOT_APPLICABLE
                and not (data.get(p + "reason") or "").strip()
            ):
                self.add_error(
                    p + "reason",
                    _("%(code)s: please give the reason why it does not apply.") % {"code": s.code},
                )
        return data

    def entries(self) -> list[RatingInput]:
        data = self.cleaned_data
        result = []
        for s in self.standards:
            p = f"s{s.pk}-"
            raw = data.get(p + "value") or ""
            result.append(
                RatingInput(
                    standard_id=s.pk,
                    value=int(raw) if raw.isascii() and raw.isdigit() else None,
                    not_applicable=raw == NOT_APPLICABLE,
                    not_applicable_reason=data.get(p + "reason") or "",
                    evidence=data.get(p + "evidence") or "",
                    strengths=data.get(p + "strengths") or "",
                    next_steps=data.get(p + "next_steps") or "",
                    level=data.get(p + "level") or "",
                )
            )
        return result

    @staticmethod
    def initial_from(ratings: dict[int, Rating]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for sid, r in ratings.items():
            p = f"s{sid}-"
            initial[p + "value"] = (
                NOT_APPLICABLE if r.not_applicable else (str(r.value) if r.value else "")
            )
            initial[p + "reason"] = r.not_applicable_reason
            initial[p + "evidence"] = r.evidence
            initial[p + "strengths"] = r.strengths
            initial[p + "next_steps"] = r.next_steps
            initial[p + "level"] = r.level
        return initial

    def bound(self, standard: Standard) -> dict[str, Any]:
        p = f"s{standard.pk}-"
        return {
            k: self[p + k]
            for k in ("value", "reason", "evidence", "strengths", "next_steps", "level")
        }


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("What should change?"), widget=forms.Textarea(attrs=TEXTAREA))


class CoSignForm(forms.Form):
    summary = forms.CharField(
        label=_("overall assessment of the school"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class ClosingReviewForm(forms.Form):
    strengths = forms.CharField(
        label=_("strengths"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    weaknesses = forms.CharField(
        label=_("weaknesses"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, standards: list[Standard], max_changes: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_changes = max_changes
        standard_choices = [("", "–")] + [(str(s.pk), f"{s.code} {s.title}") for s in standards]
        for i in range(1, max_changes + 1):
            p = f"c{i}-"
            self.fields[p + "standard"] = forms.ChoiceField(
                label=_("standard"), choices=standard_choices, required=False
            )
            self.fields[p + "goal"] = forms.CharField(
                label=_("goal"), max_length=300, required=i == 1
            )
            # The first change is required, so are its measures; a further
            # change is optional, but a goal needs its measures (see clean).
            self.fields[p + "measures"] = forms.CharField(
                label=_("measures"),
                required=i == 1,
                help_text="" if i == 1 else _("Needed as soon as you enter a goal."),
                widget=forms.Textarea(attrs=TEXTAREA),
            )
            self.fields[p + "responsible"] = forms.ChoiceField(
                label=_("responsible"),
                choices=YearlyGoal.Responsible.choices,
                initial=YearlyGoal.Responsible.WORKER,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, self.max_changes + 1):
            p = f"c{i}-"
            if (
                (data.get(p + "goal") or "").strip()
                and not (data.get(p + "measures") or "").strip()
                and p + "measures" not in self.errors
            ):
                self.add_error(p + "measures", _("Please name the measures."))
        return data

    def changes(self) -> list[ChangeInput]:
        data = self.cleaned_data
        out = []
        for i in range(1, self.max_changes + 1):
            p = f"c{i}-"
            goal = (data.get(p + "goal") or "").strip()
            if goal:
                raw = data.get(p + "standard") or ""
                out.append(
                    ChangeInput(
                        goal=goal,
                        measures=data.get(p + "measures") or "",
                        responsible=data.get(p + "responsible") or "worker",
                        standard_id=int(raw) if raw.isascii() and raw.isdigit() else None,
                    )
                )
        return out

    def groups(self) -> list[dict[str, Any]]:
        return [
            {
                "n": i,
                "fields": [
                    self[f"c{i}-{k}"] for k in ("standard", "goal", "measures", "responsible")
                ],
            }
            for i in range(1, self.max_changes + 1)
        ]


PARTICIPANT_ROWS = 6


def _goal_label(goal: Any) -> str:
    return f"{goal.school_year.code}: {goal.goal}"


class DialogueForm(forms.Form):
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("school"), queryset=School.objects.none()
    )
    date = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    evaluation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("self-evaluation discussed"),
        queryset=SelfEvaluation.objects.none(),
        required=False,
        empty_label="–",
    )
    agreements = forms.CharField(
        label=_("agreements"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    follow_up_goals: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("follow-up goals"),
        queryset=YearlyGoal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        schools: Any,
        evaluations: Any,
        goals: Any,
        fixed_school: bool,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["school"]).queryset = schools
        cast("forms.ModelChoiceField[Any]", self.fields["evaluation"]).queryset = evaluations
        goals_field = cast("forms.ModelMultipleChoiceField[Any]", self.fields["follow_up_goals"])
        goals_field.queryset = goals
        goals_field.label_from_instance = _goal_label  # type: ignore[method-assign,assignment]
        if fixed_school:
            self.fields["school"].disabled = True
        roles = [("", "–"), *DialogueParticipant.ParticipantRole.choices]
        for i in range(1, PARTICIPANT_ROWS + 1):
            p = f"p{i}-"
            self.fields[p + "role"] = forms.ChoiceField(
                label=_("role"), choices=roles, required=False
            )
            self.fields[p + "name"] = forms.CharField(
                label=_("name (optional, staff only)"), max_length=150, required=False
            )
            self.fields[p + "institution"] = forms.CharField(
                label=_("institution"), max_length=200, required=False
            )
            self.fields[p + "count"] = forms.IntegerField(
                label=_("number of persons"), min_value=1, max_value=99, initial=1, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        found = 0
        for i in range(1, PARTICIPANT_ROWS + 1):
            p = f"p{i}-"
            role = data.get(p + "role") or ""
            if role:
                found += 1
                from .models import STAFF_PARTICIPANT_ROLES

                if (data.get(p + "name") or "").strip() and role not in STAFF_PARTICIPANT_ROLES:
                    self.add_error(
                        p + "name", _("Names are recorded for staff only, not for partners.")
                    )
            elif (data.get(p + "name") or "").strip():
                self.add_error(p + "role", _("Choose the role of this participant."))
        if not found:
            self.add_error("p1-role", _("Name at least one participant by role."))
        return data

    def participants(self) -> list[ParticipantInput]:
        data = self.cleaned_data
        out = []
        for i in range(1, PARTICIPANT_ROWS + 1):
            p = f"p{i}-"
            if data.get(p + "role"):
                out.append(
                    ParticipantInput(
                        role=data[p + "role"],
                        name=data.get(p + "name") or "",
                        institution=data.get(p + "institution") or "",
                        count=data.get(p + "count") or 1,
                    )
                )
        return out

    def participant_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "n": i,
                "fields": [self[f"p{i}-{k}"] for k in ("role", "name", "institution", "count")],
            }
            for i in range(1, PARTICIPANT_ROWS + 1)
        ]

    @staticmethod
    def initial_participants(dialogue: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for i, p in enumerate(dialogue.participants.all(), start=1):
            if i > PARTICIPANT_ROWS:
                break
            initial.update(
                {
                    f"p{i}-role": p.role,
                    f"p{i}-name": p.name,
                    f"p{i}-institution": p.institution,
                    f"p{i}-count": p.count,
                }
            )
        return initial


class CycleFilterForm(forms.Form):
    school_year: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("school year"),
        queryset=SchoolYear.objects.none(),
        required=False,
        empty_label=_("current school year"),
    )
    carrier: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("carrier"),
        queryset=Carrier.objects.none(),
        required=False,
        empty_label=_("all carriers"),
    )
    school_type = forms.ChoiceField(
        label=_("school type"),
        choices=[("", _("all school types")), *SchoolType.choices],
        required=False,
    )

    def __init__(self, *args: Any, years: Any, carriers: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["school_year"]).queryset = years
        cast("forms.ModelChoiceField[Any]", self.fields["carrier"]).queryset = carriers


class SettingsForm(forms.ModelForm):
    class Meta:
        model = QualitySettings
        fields = [
            "scale_steps",
            "scale_labels",
            "want_school_perspective",
            "want_carrier_perspective",
            "max_changes",
            "submit_due_month",
            "submit_due_day",
            "cosign_days",
            "surveys_enabled",
            "survey_min_answers",
        ]
        widgets = {"scale_labels": forms.Textarea(attrs={"rows": 4})}
