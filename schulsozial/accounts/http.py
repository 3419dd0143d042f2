"""Request type of the views only a logged-in user reaches (django-stubs' documented pattern).

`login_required`, `LoginRequiredMixin` and `ServiceFormView` let no anonymous visitor through,
so `request.user` is a `User` there; annotate such a view's request as `AuthenticatedHttpRequest`
instead of narrowing `User | AnonymousUser` in every line. The type also has django-htmx's
`request.htmx` (its middleware sets it on every request).
"""

from __future__ import annotations

from schulsozial.core.http import HtmxHttpRequest

from .models import User


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User
