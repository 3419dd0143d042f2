from django.urls import path

from . import views, views_carriers

app_name = "staffing"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("neu/", views.plan_create, name="plan_create"),
    path("schuljahreswechsel/", views.plan_rollover, name="plan_rollover"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/festlegen/", views.plan_pin, name="plan_pin"),
    path("<int:pk>/ausschliessen/", views.plan_ban, name="plan_ban"),
    path("<int:pk>/festlegung/<int:pin>/loeschen/", views.pin_remove, name="pin_remove"),
    path("<int:pk>/ausschluss/<int:ban>/loeschen/", views.ban_remove, name="ban_remove"),
    path("<int:pk>/berechnen/", views.plan_solve, name="plan_solve"),
    path("<int:pk>/fortschritt/", views.plan_progress, name="plan_progress"),
    path("<int:pk>/uebernehmen/", views.plan_accept, name="plan_accept"),
    path("<int:pk>/verwerfen/", views.plan_discard, name="plan_discard"),
    path("<int:pk>/offene-bedarfe.<str:fmt>", views.unfilled_export, name="unfilled_export"),
    path("schulen-traeger/", views_carriers.school_carriers, name="school_carriers"),
]
