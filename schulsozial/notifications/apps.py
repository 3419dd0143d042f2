from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "schulsozial.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The providers of the concepts' tasks and deadlines and the listeners
        # of their events; later apps register theirs in their own ready().
        from . import listeners, providers

        providers.register_all()
        listeners.register_all()
