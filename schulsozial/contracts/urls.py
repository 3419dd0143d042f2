from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("", views.ContractList.as_view(), name="contract_list"),
    path("person/<int:pk>/", views.staff_contracts, name="staff_contracts"),
    path("person/<int:pk>/neu/", views.ContractCreate.as_view(), name="contract_create"),
    path("<int:pk>/bearbeiten/", views.ContractUpdate.as_view(), name="contract_update"),
    path("<int:pk>/verlaengern/", views.ContractExtend.as_view(), name="contract_extend"),
    path("traeger/<int:pk>/", views.carrier_contracts, name="carrier_contracts"),
    path("entfristung/", views.entfristung, name="entfristung"),
    path("einstellungen/<int:pk>/", views.SettingsEdit.as_view(), name="settings"),
    path("kontinuitaet/", views.continuity, name="continuity"),
]
