from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "schulsozial.statistics"
    label = "statistics"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        # The record writers of activities keep the rollups in their own
        # transaction through this hook (activities/hooks.py): activities
        # never imports the statistics.
        from schulsozial.activities import hooks

        from . import rollups

        hooks.register_rollups(rollups)
