from django.urls import path

from . import views, views_audit

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.own_account, name="own_account"),
    path("me/logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("users/", views.UserList.as_view(), name="user_list"),
    path("users/new/", views.UserCreate.as_view(), name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/new/", views.RoleAssignmentCreate.as_view(), name="role_create"),
    path("users/<int:pk>/roles/<int:role_pk>/remove/", views.role_remove, name="role_remove"),
    path(
        "users/<int:pk>/deactivate/",
        views.user_set_active,
        {"active": False},
        name="user_deactivate",
    ),
    path("users/<int:pk>/activate/", views.user_set_active, {"active": True}, name="user_activate"),
    path("users/<int:pk>/password/", views.PasswordSetByAdmin.as_view(), name="user_password"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/edit/", views.UserUpdate.as_view(), name="user_update"),
    path("audit/", views_audit.AuditList.as_view(), name="audit_list"),
]

# Two-factor login and single sign-on (accounts/twofactor.py, accounts/oidc.py).
from . import oidc, views_oidc, views_twofactor  # noqa: E402

urlpatterns += [
    path("zwei-faktor/", views_twofactor.status, name="twofactor"),
    path("zwei-faktor/einrichten/", views_twofactor.setup, name="twofactor_setup"),
    path("zwei-faktor/pruefen/", views_twofactor.verify, name="twofactor_verify"),
    path("zwei-faktor/ausschalten/", views_twofactor.disable, name="twofactor_disable"),
    path(
        "zwei-faktor/wiederherstellungscodes/", views_twofactor.recovery, name="twofactor_recovery"
    ),
    path("zwei-faktor/kommunen/", views_twofactor.policy, name="twofactor_policy"),
    path(
        "users/<int:pk>/zwei-faktor/zuruecksetzen/", views_twofactor.reset, name="twofactor_reset"
    ),
    path("sso/login/", oidc.login_view, name="oidc_login"),
    path("sso/callback/", oidc.callback_view, name="oidc_callback"),
    path("sso/gruppen/", views_oidc.mappings, name="oidc_mappings"),
    path("sso/gruppen/<int:pk>/entfernen/", views_oidc.mapping_remove, name="oidc_mapping_remove"),
]
