from django.urls import path

from schulsozial.core import views_help

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("hilfe/", views_help.help_page, name="help"),
    path("hilfe/glossar/", views_help.glossary, name="glossary"),
    path("healthz", views.healthz, name="healthz"),
]
