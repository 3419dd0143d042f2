"""The help pages: the user guide with its contents and the glossary. Open
to everyone, like the about page: they hold the public documentation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from . import help as help_docs


def _page(request: HttpRequest, name: str, title: str, other: str) -> HttpResponse:
    document = help_docs.load(name)
    return render(
        request,
        "core/help.html",
        {
            "title": title,
            "toc": document.toc,
            # Sanitised by nh3 in help.render_help.
            "body": mark_safe(document.html),  # noqa: S308
            "other": other,
        },
    )


def help_page(request: HttpRequest) -> HttpResponse:
    return _page(request, help_docs.HANDBOOK, _("Help: user guide"), "glossary")


def glossary(request: HttpRequest) -> HttpResponse:
    return _page(request, help_docs.GLOSSARY, _("Glossary"), "help")
