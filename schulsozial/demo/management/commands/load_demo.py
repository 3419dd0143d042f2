from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from schulsozial.masterdata.models import Municipality

from ...builder import SHARED_DATA, DemoBuilder


class Command(BaseCommand):
    help = "Load the demo (Herne and Kamen, real schools, invented staff and money) unless it is there."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--quiet-logins", action="store_true", help="do not print the demo logins"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):  # the operator reads German
            self._load(options)

    def _load(self, options: dict[str, Any]) -> None:
        if not (SHARED_DATA / "schulen_herne_kamen.csv").exists():
            raise CommandError(
                _("Demo data not found: %(path)s (clone shared/ beside the project)")
                % {"path": SHARED_DATA}
            )
        if Municipality.objects.filter(carriers__is_demo=True).exists():
            self.stdout.write(_("Demo data is loaded already."))
            users = DemoBuilder.existing_users()
        else:
            users = DemoBuilder(stdout=self.stdout).build()
            self.stdout.write(self.style.SUCCESS(_("Demo data loaded.")))
        if not options["quiet_logins"]:
            self.stdout.write("")
            self.stdout.write(
                _("Demo logins (password for all: %(password)s):")
                % {"password": settings.SCHULSOZIAL["DEMO_PASSWORD"]}
            )
            for username, role, town in users:
                self.stdout.write(f"  {username:<22} {role:<15} {town}")
