from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import Municipality

from ...oparl import importing
from ...oparl.client import DEFAULT_RETRIES, DEFAULT_TIMEOUT, OParlClient


class Command(BaseCommand):
    help = (
        "Import council papers from an OParl 1.0/1.1 interface: SOURCE is a system URL, a body "
        "URL or a saved JSON file. Papers whose title contains a keyword (default: "
        "Schulsozialarbeit) are imported with their consultations, all or nothing; later runs "
        "read only what changed since the last successful run (modified_since)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="System URL, body URL or a saved JSON file.")
        parser.add_argument(
            "--municipality", required=True, help="AGS (8 digits) of the municipality."
        )
        parser.add_argument(
            "--keyword",
            action="append",
            dest="keywords",
            default=None,
            help="Word the title must contain (repeat for several; default Schulsozialarbeit).",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read every paper again, not only those changed since the last run.",
        )
        parser.add_argument(
            "--files",
            action="store_true",
            help="Attach the papers' files too (PDF, DOCX, XLSX, ODT, PNG, JPEG; at most 20 MB).",
        )
        parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
        parser.add_argument("--retries", type=int, default=DEFAULT_RETRIES)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):  # the operator reads German
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        municipality = Municipality.objects.filter(ags=options["municipality"].strip()).first()
        if municipality is None:
            raise CommandError(
                _("No municipality with the AGS %(ags)s.") % {"ags": options["municipality"]}
            )
        run = importing.run_create(
            municipality_id=municipality.pk,
            url=options["source"],
            keywords=options["keywords"],
            by=SYSTEM,
            full=options["full"],
        )
        if run.modified_since:
            self.stdout.write(
                _("Only papers changed since %(since)s (last successful run).")
                % {"since": importing.since_text(run.modified_since)}
            )
        run = importing.run_import(
            run.pk,
            by=SYSTEM,
            client_factory=lambda: OParlClient(
                timeout=options["timeout"], retries=options["retries"]
            ),
            files=options["files"],
        )
        for warning in run.warnings:
            self.stderr.write(_("Warning: %(text)s") % {"text": warning})
        if run.status != run.Status.DONE:
            raise CommandError(_("Nothing was imported. %(error)s") % {"error": run.error})
        self.stdout.write(
            _("%(municipality)s, %(source)s: %(summary)s")
            % {
                "municipality": municipality.name,
                "source": run.source.body_name or run.source.url,
                "summary": summary(run),
            }
        )


def summary(run: Any) -> str:
    """ "12 Vorlagen gelesen, 3 neu, 1 geändert, 8 unverändert" in words."""
    parts = [
        ngettext("%(count)s paper read", "%(count)s papers read", run.seen) % {"count": run.seen},
        ngettext("%(count)s new", "%(count)s new", run.created) % {"count": run.created},
        ngettext("%(count)s updated", "%(count)s updated", run.updated) % {"count": run.updated},
        ngettext("%(count)s unchanged", "%(count)s unchanged", run.unchanged)
        % {"count": run.unchanged},
    ]
    return ", ".join(parts)
