from django.urls import path

from . import views

app_name = "allocation"

urlpatterns = [
    path("", views.ScenarioList.as_view(), name="scenario_list"),
    path("new/", views.ScenarioCreate.as_view(), name="scenario_create"),
    path("compare/", views.compare, name="compare"),
    path("<int:pk>/", views.scenario_detail, name="scenario_detail"),
    path("<int:pk>/rules/", views.scenario_edit, name="scenario_edit"),
    path("<int:pk>/rules/toml/", views.ScenarioEditToml.as_view(), name="scenario_edit_toml"),
    path("<int:pk>/adopt/", views.ScenarioAdopt.as_view(), name="scenario_adopt"),
    path("<int:pk>/copy/", views.scenario_copy, name="scenario_copy"),
    path("<int:pk>/recompute/", views.scenario_recompute, name="scenario_recompute"),
    path("<int:pk>/export.<str:fmt>", views.scenario_export, name="scenario_export"),
    path("<int:pk>/schools/<str:number>/", views.school_explanation, name="school_explanation"),
]
