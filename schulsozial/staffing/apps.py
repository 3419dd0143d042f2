from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    name = "schulsozial.staffing"
    label = "staffing"
    verbose_name = _("Staffing plan")

    def ready(self) -> None:
        # A calculated plan waits for acceptance in coordination's task list.
        from . import worklist

        worklist.register()
