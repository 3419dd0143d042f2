from django.urls import path

from . import views

app_name = "statistics"

urlpatterns = [
    path("", views.statistics_page, name="report"),
    path("export/<str:section>.<str:fmt>", views.statistics_export, name="export"),
]
