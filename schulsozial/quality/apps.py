from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "schulsozial.quality"
    label = "quality"
    verbose_name = _("Quality management")

    def ready(self) -> None:
        # The cycle's open steps in the task lists and calendars (notifications.registry).
        from . import worklist

        worklist.register()
