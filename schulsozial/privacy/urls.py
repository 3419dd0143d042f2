from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("staff/<int:pk>/data/", views.staff_data_export, name="staff_data_export"),
    path("staff/<int:pk>/pseudonymise/", views.staff_pseudonymise, name="staff_pseudonymise"),
]
