from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Preference


class DeliveryForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("Notifications by e-mail"),
        choices=Preference.Delivery.choices,
        widget=forms.RadioSelect,
        help_text=_("Every notification is also listed in the platform."),
    )
