from django.contrib import admin

from . import models


@admin.register(models.Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "ags", "kind"]
    search_fields = ["name", "ags"]


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["school_number", "name", "school_type", "municipality"]
    list_filter = ["school_type", "municipality"]
    search_fields = ["name", "school_number"]


admin.site.register(models.SchoolYear)
admin.site.register(models.Carrier)
admin.site.register(models.StaffMember)
admin.site.register(models.FundingStream)
admin.site.register(models.FundingBudget)
admin.site.register(models.Position)
