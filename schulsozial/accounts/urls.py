from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("users/", views.UserList.as_view(), name="user_list"),
    path("users/new/", views.UserCreate.as_view(), name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/new/", views.RoleAssignmentCreate.as_view(), name="role_create"),
    path("users/<int:pk>/roles/<int:role_pk>/remove/", views.role_remove, name="role_remove"),
    path("audit/", views.AuditList.as_view(), name="audit_list"),
]
