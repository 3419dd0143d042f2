from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "schulsozial.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        # Tasks and deadlines of fixed-term contracts ending (notifications).
        from . import providers

        providers.register_all()
