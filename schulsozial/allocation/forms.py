from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from schulsozial.core.privacy import NoPersonalDataMixin
from schulsozial.masterdata.models import SchoolYear

from .templates_rules import TEMPLATES, to_toml

INDICATORS = [
    ("pupils", _("pupils")),
    ("social_index", _("Sozialindex")),
    ("startchancen", _("Startchancen (0/1)")),
    ("current_fte", _("current FTE")),
]
TRANSFORMS = [("linear", _("linear")), ("table", _("lookup table")), ("per_pupil", _("per pupil"))]
COMBINES = [("add", _("adds a share of the need")), ("multiply", _("factor on the need"))]
MISSING = [
    ("median", _("municipal median")),
    ("zero", _("count as 0")),
    ("exclude", _("leave out for that school")),
    ("number", _("fixed value")),
]


_NUMBER = r"[+-]?\d+(?:[.,]\d+)?"
# One "key=value" pair of a conversion table; pairs are separated by ";", a
# line break, or a comma that is not a decimal comma ("1=0,8, 2=0,9").
_TABLE_PAIR = re.compile(rf"\s*([^=;\n]+?)\s*=\s*({_NUMBER})\s*(?:;|\n|,(?!\d)|$)")


def parse_decimal(text: str, *, grouping: bool = False) -> Decimal:
    """A number as a German user types it: "19,5", "0,25", "69.572,50"; a
    decimal point ("19.5") is read too. With `grouping` (sums of money) a
    lone point before three digits groups thousands ("69.572" is 69572).
    Raises InvalidOperation for anything else."""
    text = text.strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if not re.fullmatch(r"[+-]?[\d.,]+", text) or text.count(",") > 1:
        raise InvalidOperation(text)
    if "," in text:
        whole, _sep, decimals = text.partition(",")
        if "." in whole and not re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", whole):
            raise InvalidOperation(text)
        text = f"{whole.replace('.', '')}.{decimals}"
    elif text.count(".") > 1 or (grouping and re.fullmatch(r"[+-]?\d{1,3}\.\d{3}", text)):
        if not re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", text):
            raise InvalidOperation(text)
        text = text.replace(".", "")
    return Decimal(text)


class GermanDecimalField(forms.DecimalField):
    """A decimal typed as text with the German decimal comma (a number input
    would drop "19,5" in some browsers): shown as "0,25", read by
    `parse_decimal`, on phones with the decimal keyboard."""

    def __init__(self, *args: Any, grouping: bool = False, **kwargs: Any) -> None:
        self.grouping = grouping
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        kwargs["localize"] = True  # renders the value with the decimal comma
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int | float):
            return Decimal(str(value))
        try:
            return parse_decimal(str(value), grouping=self.grouping)
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class ScenarioCreateForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    school_year = forms.ModelChoiceField(queryset=SchoolYear.objects.all(), label=_("school year"))
    template = forms.ChoiceField(
        label=_("start from"),
        choices=[
            ("index", _("base + pupils × Sozialindex factor + Startchancen bonus")),
            ("pupils", _("pupils only")),
        ],
    )
    total_fte = GermanDecimalField(
        label=_("FTE to distribute"), min_value=0, max_digits=8, decimal_places=2
    )
    cost_per_fte_eur = GermanDecimalField(
        grouping=True,
        label=_("cost per FTE (EUR)"),
        min_value=1,
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=_("Shows the money per school; leave empty to show FTE only."),
    )

    def __init__(self, *args: Any, municipalities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = forms.ModelChoiceField(
            queryset=municipalities, label=_("municipality"), empty_label=None
        )
        self.fields = {"municipality": field, **self.fields}
        if municipalities is not None and municipalities.count() == 1:
            field.initial = municipalities.first()
            field.widget = forms.HiddenInput()
            field.disabled = True  # the only choice; nothing to post

    def rules_toml(self) -> str:
        return TEMPLATES[self.cleaned_data["template"]](
            self.cleaned_data["total_fte"], self.cleaned_data.get("cost_per_fte_eur")
        )


class RulesForm(NoPersonalDataMixin, forms.Form):
    """The common rules as a form; each change recalculates live (htmx)."""

    no_personal_data = ("description",)

    name = forms.CharField(label=_("name"), max_length=200)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    total_fte = GermanDecimalField(
        label=_("FTE to distribute"), min_value=0, max_digits=8, decimal_places=2, required=False
    )
    budget_eur = GermanDecimalField(
        grouping=True,
        label=_("or: budget (EUR)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    cost_per_fte_eur = GermanDecimalField(
        grouping=True,
        label=_("cost per FTE (EUR)"),
        min_value=1,
        max_digits=10,
        decimal_places=2,
        required=False,
    )
    granularity = forms.ChoiceField(
        label=_("steps of"), choices=[("0.1", "0,1"), ("0.25", "0,25"), ("0.5", "0,5"), ("1", "1")]
    )
    base_fte = GermanDecimalField(
        label=_("base per school (Sockel, FTE)"), min_value=0, max_digits=5, decimal_places=2
    )
    min_fte = GermanDecimalField(
        label=_("minimum per school (FTE)"), min_value=0, max_digits=5, decimal_places=2
    )
    max_fte = GermanDecimalField(
        label=_("maximum per school (FTE)"),
        min_value=0,
        max_digits=5,
        decimal_places=2,
        required=False,
    )
    max_change = GermanDecimalField(
        label=_("largest change against today (FTE)"),
        min_value=0,
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=_("Continuity: leave empty for no limit."),
    )
    method = forms.ChoiceField(
        label=_("method"),
        choices=[
            ("min-deviation", _("smallest deviation from the ideal shares")),
            ("sainte-lague", _("Sainte-Laguë/Webster")),
        ],
    )
    samples = forms.IntegerField(
        label=_("sensitivity samples"), min_value=1, max_value=5000, initial=1000
    )
    spread = GermanDecimalField(
        label=_("weights vary by ± (share)"),
        min_value=0,
        max_value=Decimal("0.9"),
        max_digits=3,
        decimal_places=2,
        initial=Decimal("0.2"),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        typed_wrong = {"total_fte", "budget_eur"} & set(self.errors)
        if data.get("total_fte") is None and data.get("budget_eur") is None and not typed_wrong:
            raise forms.ValidationError(
                _("Give the FTE to distribute or a budget with a cost per FTE.")
            )
        if data.get("budget_eur") is not None and data.get("cost_per_fte_eur") is None:
            self.add_error("cost_per_fte_eur", _("A budget needs a cost per FTE."))
        return data


TABLE_HELP_ERROR = _(
    "Write the table as value=factor pairs separated by semicolons, e.g. 1=0,8; 2=0,9 "
    "(decimal comma or point)."
)


class CriterionForm(forms.Form):
    indicator = forms.ChoiceField(label=_("indicator"), choices=INDICATORS)
    weight = GermanDecimalField(
        label=_("weight"), min_value=0, max_digits=6, decimal_places=3, initial=1
    )
    transform = forms.ChoiceField(label=_("transform"), choices=TRANSFORMS)
    table = forms.CharField(
        label=_("table"),
        required=False,
        help_text=_("e.g. 1=0,8; 2=0,9; 3=1,0"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    combine = forms.ChoiceField(label=_("effect"), choices=COMBINES)
    missing = forms.ChoiceField(label=_("missing values"), choices=MISSING)
    missing_value = GermanDecimalField(
        label=_("fixed value"), required=False, max_digits=10, decimal_places=3
    )

    def clean_table(self) -> dict[str, float] | None:
        """ "1=0,8; 2=0,9" (decimal comma or point; pairs separated by ";", a
        line break or a comma before the next key)."""
        text = self.cleaned_data.get("table", "").strip()
        if not text:
            return None
        table: dict[str, float] = {}
        position = 0
        while position < len(text):
            match = _TABLE_PAIR.match(text, position)
            if match is None or match.end() == position:
                if not text[position:].strip(" ;,\n"):
                    break
                raise forms.ValidationError(TABLE_HELP_ERROR)
            key, value = match.group(1).strip(), match.group(2)
            table[key] = float(parse_decimal(value))
            position = match.end()
        if not table:
            raise forms.ValidationError(TABLE_HELP_ERROR)
        return table

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("transform") == "table"
            and not data.get("table")
            and "table" not in self.errors
        ):
            self.add_error("table", _("A lookup table needs its values."))
        if data.get("missing") == "number" and data.get("missing_value") is None:
            self.add_error("missing_value", _("Give the value to use for missing data."))
        return data


CriteriaFormSet = forms.formset_factory(
    CriterionForm, extra=0, max_num=6, can_delete=True, min_num=0
)


def form_data_to_toml(
    rules: dict[str, Any], criteria: list[dict[str, Any]], title: str = ""
) -> str:
    settings: dict[str, Any] = {
        "title": title,
        "total_fte": rules.get("total_fte") if rules.get("budget_eur") is None else None,
        "budget_eur": rules.get("budget_eur"),
        "cost_per_fte_eur": rules.get("cost_per_fte_eur"),
        "granularity": Decimal(rules["granularity"]),
        "base_fte": rules["base_fte"],
        "min_fte": rules["min_fte"],
        "max_fte": rules.get("max_fte"),
        "max_change": rules.get("max_change"),
        "method": rules["method"],
    }
    rows = []
    for c in criteria:
        if c.get("DELETE"):
            continue
        row: dict[str, Any] = {
            "name": c["indicator"],
            "column": c["indicator"],
            "weight": c["weight"],
            "transform": c["transform"],
            "combine": c["combine"],
        }
        if c["transform"] == "table":
            row["table"] = c["table"]
        if c["transform"] == "per_pupil":
            row["pupils_column"] = "pupils"
        row["missing"] = c["missing_value"] if c["missing"] == "number" else c["missing"]
        rows.append(row)
    text = to_toml(settings, rows)
    text += f"\n[sensitivity]\nsamples = {int(rules.get('samples') or 0)}\nspread = {float(rules.get('spread') or 0):g}\n"
    return text


def toml_to_form_data(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sens = data.get("sensitivity", {})
    rules = {
        "total_fte": data.get("total_fte"),
        "budget_eur": data.get("budget_eur"),
        "cost_per_fte_eur": data.get("cost_per_fte_eur"),
        "granularity": f"{data.get('granularity', 0.25):g}",
        "base_fte": data.get("base_fte", 0),
        "min_fte": data.get("min_fte", 0),
        "max_fte": data.get("max_fte"),
        "max_change": data.get("max_change"),
        "method": data.get("method", "min-deviation"),
        "samples": sens.get("samples", 1000),
        "spread": sens.get("spread", 0.2),
    }
    criteria = []
    for c in data.get("criteria", []):
        missing = c.get("missing", "median")
        criteria.append(
            {
                "indicator": c.get("column"),
                "weight": c.get("weight", 1.0),
                "transform": c.get("transform", "linear"),
                "table": "; ".join(
                    f"{k}={format(v, 'g').replace('.', ',')}"
                    for k, v in (c.get("table") or {}).items()
                ),
                "combine": c.get("combine", "add"),
                "missing": missing if isinstance(missing, str) else "number",
                "missing_value": None if isinstance(missing, str) else missing,
            }
        )
    return rules, criteria


class TomlForm(NoPersonalDataMixin, forms.Form):
    no_personal_data = ("description",)
    name = forms.CharField(label=_("name"), max_length=200)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    rules_toml = forms.CharField(
        label=_("rules (TOML)"),
        widget=forms.Textarea(attrs={"rows": 24, "class": "code", "spellcheck": "false"}),
        help_text=_(
            "One setting per line (key = value; decimals with a point, text in quotes): "
            "total_fte or budget_eur, granularity, base_fte, min_fte, max_fte, max_change, "
            'method ("min-deviation" or "sainte-lague"). Each criterion is a [[criteria]] block '
            "(column, weight, transform, combine, missing); each funding stream a [[layers]] "
            "block with its own total and criteria."
        ),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


class AdoptForm(forms.Form):
    decision_body = forms.CharField(
        label=_("deciding body"), max_length=200, initial="Jugendhilfeausschuss"
    )
    decision_date = forms.DateField(
        label=_("date of decision"), widget=forms.DateInput(attrs={"type": "date"})
    )
    decision_reference = forms.CharField(label=_("council paper number"), max_length=100)
    # The scenario adopted for the year when the form was opened (empty: none);
    # the service refuses if another one has been adopted since.
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Set by the button of the confirmation step that replacing an adopted
    # scenario needs (the view shows that step while it is missing).
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, adopted: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supersedes"].initial = adopted.pk if adopted is not None else None


class _IdChoices(forms.ModelMultipleChoiceField):
    """Refuses a value that is no 64-bit id before the database sees it
    (SQLite cannot bind a larger integer in the `__in` lookup: 500)."""

    def clean(self, value: Any) -> Any:
        for item in value or ():
            text = str(item)
            if not (text.isascii() and text.isdigit() and int(text) < 2**63):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": text},
                )
        return super().clean(value)


class CompareForm(forms.Form):
    scenarios = _IdChoices(queryset=None, label=_("scenarios"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, scenarios: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(_IdChoices, self.fields["scenarios"]).queryset = scenarios

    def clean_scenarios(self) -> Any:
        chosen = self.cleaned_data["scenarios"]
        if not 2 <= len(chosen) <= 4:
            raise forms.ValidationError(_("Choose two to four scenarios."))
        return chosen
