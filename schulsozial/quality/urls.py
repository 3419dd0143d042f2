from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("", views.home, name="home"),
    path("start/<int:school_pk>/", views.evaluation_start, name="evaluation_start"),
    path("selbstevaluation/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path(
        "selbstevaluation/<int:pk>/bewerten/<str:perspective>/",
        views.evaluation_edit,
        name="evaluation_edit",
    ),
    path(
        "selbstevaluation/<int:pk>/einreichen/", views.evaluation_submit, name="evaluation_submit"
    ),
    path(
        "selbstevaluation/<int:pk>/mitzeichnen/",
        views.evaluation_co_sign,
        name="evaluation_co_sign",
    ),
    path("selbstevaluation/<int:pk>/zurueck/", views.evaluation_return, name="evaluation_return"),
    path("selbstevaluation/<int:pk>/traeger/", views.carrier_submit, name="carrier_submit"),
    path("selbstevaluation/<int:pk>/abschluss/", views.closing_review, name="closing_review"),
    path("dialoge/", views.dialogue_list, name="dialogue_list"),
    path("dialoge/neu/", views.dialogue_create, name="dialogue_create"),
    path("dialoge/<int:pk>/", views.dialogue_detail, name="dialogue_detail"),
    path("dialoge/<int:pk>/bearbeiten/", views.dialogue_update, name="dialogue_update"),
    path("dialoge/<int:pk>/protokoll.pdf", views.dialogue_pdf, name="dialogue_pdf"),
    path("zyklus/", views.cycle, name="cycle"),
    path("zyklus/export.<str:fmt>", views.cycle_export, name="cycle_export"),
    path("einstellungen/", views.settings_page, name="settings"),
]
