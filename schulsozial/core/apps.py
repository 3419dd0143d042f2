from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "schulsozial.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .append_only import register_sqlite

        connection_created.connect(register_sqlite, dispatch_uid="schulsozial.audit_append_only")
