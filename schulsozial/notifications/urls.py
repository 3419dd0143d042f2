from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/gelesen/", views.mark_read, name="mark_read"),
    path("alle-gelesen/", views.mark_all_read, name="mark_all_read"),
    path("anzahl/", views.badge, name="badge"),
    path("einstellungen/", views.preferences, name="preferences"),
    path("kalender/", views.calendar, name="calendar"),
    path("kalender/<int:user_id>/<str:token>.ics", views.feed, name="feed"),
]
