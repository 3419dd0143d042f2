from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["school"]


@admin.register(User)
class SchulsozialUserAdmin(UserAdmin):
    inlines = [RoleAssignmentInline]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("schulsozial", {"fields": ["display_name", "must_change_password"]}),
    )
    # Django's UserAdmin columns, then ours (the stubs type list_display per instance only).
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_active",
        "must_change_password",
    )
