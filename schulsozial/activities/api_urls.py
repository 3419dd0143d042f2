from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import api

app_name = "api"

urlpatterns = [
    path("activities/", api.ActivityCreate.as_view(), name="activity_create"),
    path("catalogues/", api.CatalogueList.as_view(), name="catalogue_list"),
    path("staff/", api.StaffList.as_view(), name="staff_list"),
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
]
