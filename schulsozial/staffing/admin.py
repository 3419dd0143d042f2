"""The IT operator's view of the staffing plan's tables. Coordination keeps
the school-to-carrier assignment (SchoolCarrier) on its own page
(views_carriers.py, "Zuordnung der Schulen zu Trägern")."""

from django.contrib import admin

from . import models


@admin.register(models.SchoolCarrier)
class SchoolCarrierAdmin(admin.ModelAdmin):
    list_display = ["school", "carrier"]
    list_filter = ["carrier"]
    search_fields = ["school__name", "school__school_number"]


@admin.register(models.StaffingPlan)
class StaffingPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "school_year", "carrier", "status"]
    list_filter = ["status", "municipality"]
    readonly_fields = ["problem", "result", "progress"]
