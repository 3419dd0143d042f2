from django.urls import path

from . import views

app_name = "masterdata"

urlpatterns = [
    path("municipalities/", views.MunicipalityList.as_view(), name="municipality_list"),
    path("municipalities/new/", views.MunicipalityCreate.as_view(), name="municipality_create"),
    path("municipalities/<int:pk>/", views.municipality_detail, name="municipality_detail"),
    path(
        "municipalities/<int:pk>/edit/",
        views.MunicipalityUpdate.as_view(),
        name="municipality_update",
    ),
    path("school-years/", views.SchoolYearList.as_view(), name="school_year_list"),
    path("school-years/new/", views.SchoolYearCreate.as_view(), name="school_year_create"),
    path("schools/", views.SchoolList.as_view(), name="school_list"),
    path("schools/new/", views.SchoolCreate.as_view(), name="school_create"),
    path("schools/import/", views.school_import, name="school_import"),
    path(
        "schools/import/vorlage.<str:file_format>",
        views.school_import_template,
        name="school_import_template",
    ),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.SchoolUpdate.as_view(), name="school_update"),
    path("schools/<int:pk>/figures/", views.SchoolFiguresEdit.as_view(), name="school_figures"),
    path("carriers/", views.CarrierList.as_view(), name="carrier_list"),
    path("carriers/new/", views.CarrierCreate.as_view(), name="carrier_create"),
    path("carriers/<int:pk>/", views.carrier_detail, name="carrier_detail"),
    path("carriers/<int:pk>/edit/", views.CarrierUpdate.as_view(), name="carrier_update"),
    path("staff/", views.StaffList.as_view(), name="staff_list"),
    path("staff/new/", views.StaffCreate.as_view(), name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", views.StaffUpdate.as_view(), name="staff_update"),
    path("funding/", views.FundingList.as_view(), name="funding_list"),
    path("funding/new/", views.FundingCreate.as_view(), name="funding_create"),
    path("funding/<int:pk>/", views.funding_detail, name="funding_detail"),
    path("funding/<int:pk>/edit/", views.FundingUpdate.as_view(), name="funding_update"),
    path("funding/<int:pk>/budget/", views.BudgetEdit.as_view(), name="funding_budget"),
    path("positions/", views.PositionList.as_view(), name="position_list"),
    path("positions/new/", views.PositionCreate.as_view(), name="position_create"),
    path("positions/<int:pk>/", views.position_detail, name="position_detail"),
    path("positions/<int:pk>/edit/", views.PositionUpdate.as_view(), name="position_update"),
    path("positions/<int:pk>/assign/", views.AssignmentAdd.as_view(), name="position_assign"),
    path(
        "positions/<int:pk>/assignments/<int:assignment_pk>/remove/",
        views.assignment_remove,
        name="assignment_remove",
    ),
]
