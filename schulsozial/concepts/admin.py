from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import FrameworkVersion, LinkedConcept, SchoolConcept


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the services (audit, lifecycle)."""

    list_display = ["municipality", "number", "title", "status", "review_due"]
    list_filter = ["status"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SchoolConcept)
class SchoolConceptAdmin(FrameworkVersionAdmin):
    list_display = ["school", "status", "framework_version", "review_due", "framework_changed"]


@admin.register(LinkedConcept)
class LinkedConceptAdmin(FrameworkVersionAdmin):
    list_display = ["municipality", "kind", "title", "owner"]
    list_filter = ["kind"]
