"""The form of the import page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from schulsozial.masterdata.models import Municipality

from .walker import DEFAULT_KEYWORDS


class OParlImportForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), empty_label=None
    )
    url = forms.URLField(
        label=_("Address of the OParl interface"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "The system URL (as the council information system names its OParl interface, "
            "e.g. https://ris.example.de/oparl/v1/system) or the URL of the body."
        ),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        max_length=500,
        initial=", ".join(DEFAULT_KEYWORDS),
        help_text=_(
            "Papers whose title contains one of these words (separated by commas) are imported."
        ),
    )
    full = forms.BooleanField(
        label=_("Read all papers again (not only those changed since the last import)"),
        required=False,
    )

    attach_files = forms.BooleanField(
        label=_("Take over the papers' files as attachments (PDF, DOCX, XLSX, ODT, PNG, JPEG)"),
        required=False,
    )

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["municipality"]).queryset = municipalities
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()
            self.fields["municipality"].widget = forms.HiddenInput()

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"].strip()
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter an address beginning with https://."))
        return url

    def clean_keywords(self) -> list[str]:
        words = [w.strip() for w in self.cleaned_data["keywords"].split(",") if w.strip()]
        if not words:
            raise forms.ValidationError(_("Enter at least one keyword."))
        return words
