"""Request type of the views behind django-htmx's middleware (the pattern of django-htmx's docs).

`HtmxMiddleware` sets `request.htmx` on every request; annotate a view's request as
`HtmxHttpRequest` to read it with the type checker's knowledge.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
