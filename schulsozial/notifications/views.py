from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schulsozial.accounts.http import AuthenticatedHttpRequest

from . import ical, selectors, services
from . import permissions as perms
from .forms import DeliveryForm

PAGE_SIZE = 50
CALENDAR_BEHIND_DAYS = 30
CALENDAR_AHEAD_DAYS = 5 * 366  # framework reviews are due three years after adoption


def _require_use(request: AuthenticatedHttpRequest) -> None:
    if not perms.can_use_notifications(request.user):
        raise PermissionDenied


@login_required
@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_use(request)
    page = Paginator(selectors.notifications_of(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": selectors.unread_count(user=request.user)},
    )


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(selectors.notifications_of(user=request.user), pk=pk)
    services.notification_mark_read(notification=notification, by=request.user)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(by=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_GET
def badge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The unread count in the header, loaded by htmx after the page (so
    that no page pays a query for it)."""
    return render(
        request,
        "notifications/_badge.html",
        {"unread": selectors.unread_count(user=request.user)},
    )


def _feed_url(request: HttpRequest, user_id: int, token: str) -> str:
    return request.build_absolute_uri(
        reverse("notifications:feed", kwargs={"user_id": user_id, "token": token})
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How the user wants to be told, and the calendar feed."""
    _require_use(request)
    user = request.user
    preference = selectors.preference_of(user=user)
    form = DeliveryForm(
        request.POST if request.POST.get("form") == "delivery" else None,
        initial={"delivery": preference.delivery},
    )
    new_feed_url = ""
    if request.method == "POST":
        what = request.POST.get("form")
        if what == "delivery" and form.is_valid():
            services.preference_set_delivery(
                user=user, delivery=form.cleaned_data["delivery"], by=user
            )
            messages.success(request, _("Your choice is saved."))
            return redirect("notifications:preferences")
        if what == "feed_create":
            # Shown once, on this response: only the token's hash is stored.
            new_feed_url = _feed_url(
                request, user.pk, services.feed_token_create(user=user, by=user)
            )
            preference = selectors.preference_of(user=user)
        elif what == "feed_revoke":
            services.feed_token_revoke(user=user, by=user)
            messages.success(request, _("The calendar link no longer works."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "preference": preference, "new_feed_url": new_feed_url},
    )


@login_required
@require_GET
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_use(request)
    day = timezone.localdate()
    deadlines = selectors.deadlines_of(
        user=request.user,
        day=day,
        start=day - datetime.timedelta(days=CALENDAR_BEHIND_DAYS),
        end=day + datetime.timedelta(days=CALENDAR_AHEAD_DAYS),
    )
    return render(
        request,
        "notifications/calendar.html",
        {
            "day": day,
            "past": [d for d in deadlines if d.date < day],
            "upcoming": [d for d in deadlines if d.date >= day],
            "preference": selectors.preference_of(user=request.user),
        },
    )


@require_GET
def feed(request: HttpRequest, user_id: int, token: str) -> HttpResponse:
    """The calendar feed: no login, the secret in the address opens it."""
    owner = selectors.feed_owner(user_id=user_id, token=token)
    if owner is None:
        raise Http404
    day = timezone.localdate()
    deadlines = selectors.deadlines_of(
        user=owner,
        day=day,
        start=day - datetime.timedelta(days=CALENDAR_BEHIND_DAYS),
        end=day + datetime.timedelta(days=CALENDAR_AHEAD_DAYS),
    )
    response = HttpResponse(
        ical.calendar_of(deadlines, host=request.get_host().split(":")[0]),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="schulsozial-fristen.ics"'
    response["Referrer-Policy"] = "no-referrer"
    return response
