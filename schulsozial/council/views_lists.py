"""The page "Gremien und Vorlagenarten" (issue 14): coordination keeps the
municipality's committees and paper types, two small tables with add, rename,
order (paper types) and remove. Every change is a POST to `lists_change`,
written through council.services; a used entry is not removed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from schulsozial.masterdata.models import Municipality
from schulsozial.masterdata.selectors import coordinated_municipalities

from . import permissions as perms
from . import selectors, services

OPERATIONS = (
    "committee_add",
    "committee_rename",
    "committee_remove",
    "type_add",
    "type_update",
    "type_remove",
)


class ListEntryForm(forms.Form):
    op = forms.ChoiceField(choices=[(op, op) for op in OPERATIONS])
    pk = forms.IntegerField(required=False)
    name = forms.CharField(label=gettext_lazy("name"), required=False, max_length=300)
    order = forms.IntegerField(
        label=gettext_lazy("order"), required=False, min_value=0, max_value=32767
    )


def _lists_url(municipality_id: int) -> str:
    return reverse("council:lists") + f"?municipality={municipality_id}"


def _municipality(request: HttpRequest) -> tuple[Municipality, list[Municipality]]:
    choices = list(coordinated_municipalities(user=request.user))
    if not choices:
        raise PermissionDenied
    wanted = request.GET.get("municipality", "")
    for item in choices:
        if str(item.pk) == wanted:
            return item, choices
    return choices[0], choices


@login_required
def council_lists(request: HttpRequest) -> HttpResponse:
    if not perms.can_use_council_lists(request.user):
        raise PermissionDenied
    municipality, choices = _municipality(request)
    if not perms.can_manage_council_lists(request.user, municipality.pk):
        raise PermissionDenied
    return render(
        request,
        "council/lists.html",
        {
            "title": _("Committees and paper types"),
            "municipality": municipality,
            "municipalities": choices if len(choices) > 1 else [],
            "committees": selectors.committees_managed_by(
                user=request.user, municipality_id=municipality.pk
            ),
            "paper_types": selectors.paper_types_managed_by(
                user=request.user, municipality_id=municipality.pk
            ),
            "missing_defaults": selectors.missing_default_paper_types(
                user=request.user, municipality_id=municipality.pk
            ),
        },
    )


def _apply(request: HttpRequest, municipality_id: int, data: dict[str, Any]) -> str:
    """Carry out one operation; returns the success message."""
    op, pk, name = data["op"], data.get("pk"), data.get("name") or ""
    user = request.user
    if op == "committee_add":
        item = services.committee_create(municipality_id=municipality_id, name=name, by=user)
        return _('The committee "%(name)s" was added.') % {"name": item.name}
    if op == "type_add":
        paper_type = services.paper_type_create(
            municipality_id=municipality_id, name=name, order=data.get("order"), by=user
        )
        return _('The paper type "%(name)s" was added.') % {"name": paper_type.name}
    if op.startswith("committee_"):
        committee = get_object_or_404(
            selectors.committees_managed_by(user=user, municipality_id=municipality_id), pk=pk
        )
        if op == "committee_rename":
            services.committee_rename(committee=committee, name=name, by=user)
            return _('The committee is now called "%(name)s".') % {"name": committee.name}
        old = committee.name
        services.committee_remove(committee=committee, by=user)
        return _('The committee "%(name)s" was removed.') % {"name": old}
    paper_type = get_object_or_404(
        selectors.paper_types_managed_by(user=user, municipality_id=municipality_id), pk=pk
    )
    if op == "type_update":
        order = data.get("order")
        services.paper_type_update(
            paper_type=paper_type,
            name=name,
            order=paper_type.order if order is None else order,
            by=user,
        )
        return _('The paper type "%(name)s" was saved.') % {"name": paper_type.name}
    old = paper_type.name
    services.paper_type_remove(paper_type=paper_type, by=user)
    return _('The paper type "%(name)s" was removed.') % {"name": old}


@login_required
@require_POST
def lists_change(request: HttpRequest, municipality_id: int) -> HttpResponse:
    if not perms.can_manage_council_lists(request.user, municipality_id):
        raise PermissionDenied
    form = ListEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The change could not be read. Please try again."))
    else:
        try:
            messages.success(request, _apply(request, municipality_id, form.cleaned_data))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    return HttpResponseRedirect(_lists_url(municipality_id))


@login_required
@require_POST
def paper_types_defaults(request: HttpRequest, municipality_id: int) -> HttpResponse:
    """Create the missing entries of the default list of paper types."""
    if not perms.can_add_default_paper_types(request.user, municipality_id):
        raise PermissionDenied
    created = services.paper_types_add_defaults(municipality_id=municipality_id, by=request.user)
    if created:
        messages.success(
            request,
            ngettext(
                "%(count)s default paper type was added: %(names)s.",
                "%(count)s default paper types were added: %(names)s.",
                len(created),
            )
            % {"count": len(created), "names": ", ".join(t.name for t in created)},
        )
    else:
        messages.info(request, _("All default paper types exist already; nothing was changed."))
    return HttpResponseRedirect(_lists_url(municipality_id))
