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
        *UserAdmin.fieldsets,
        ("schulsozial", {"fields": ["display_name", "must_change_password"]}),
    )
    list_display = (*UserAdmin.list_display, "is_active", "must_change_password")
