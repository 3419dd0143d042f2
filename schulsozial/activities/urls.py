from django.urls import path

from . import views, views_import

app_name = "activities"

urlpatterns = [
    path("", views.ActivityList.as_view(), name="activity_list"),
    path("start/", views.home, name="home"),
    path("neu/", views.activity_create, name="activity_create"),
    path("<int:pk>/korrigieren/", views.activity_update, name="activity_update"),
    path("<int:pk>/loeschen/", views.activity_delete, name="activity_delete"),
    path("woche/", views.week, name="week"),
    path("import/", views_import.import_view, name="import"),
    path("import/<int:pk>/", views_import.import_progress, name="import_progress"),
    path("import/<int:pk>/ergebnis/", views_import.import_result, name="import_result"),
    path("kataloge/", views.catalogue_list, name="catalogue_list"),
    path("kataloge/neu/", views.catalogue_create, name="catalogue_create"),
    path("kataloge/<int:pk>/", views.catalogue_update, name="catalogue_update"),
    path("api-zugang/", views.token_list, name="token_list"),
    path("api-zugang/<int:pk>/widerrufen/", views.token_revoke, name="token_revoke"),
]
