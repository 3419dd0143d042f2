from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "schulsozial.demo"
    label = "demo"
    verbose_name = "Demo data"
