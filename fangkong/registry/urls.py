from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("residents/", views.ResidentListView.as_view(), name="resident_list"),
    path("residents/add/", views.ResidentEditView.as_view(), name="resident_add"),
    path("residents/import/", views.resident_import, name="resident_import"),
    path(
        "residents/import/template.xlsx",
        views.resident_import_template,
        name="resident_import_template",
    ),
    path("residents/<int:pk>/", views.ResidentDetailView.as_view(), name="resident_detail"),
    path("residents/<int:pk>/edit/", views.ResidentEditView.as_view(), name="resident_edit"),
    path("residents/<int:pk>/delete/", views.ResidentDeleteView.as_view(), name="resident_delete"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("households/", views.HouseholdListView.as_view(), name="household_list"),
    path("households/options/", views.household_options, name="household_options"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household_detail"),
    path("households/add/", views.HouseholdEditView.as_view(), name="household_add"),
    path("households/<int:pk>/edit/", views.HouseholdEditView.as_view(), name="household_edit"),
    path(
        "households/<int:pk>/delete/", views.HouseholdDeleteView.as_view(), name="household_delete"
    ),
    path("buildings/", views.BuildingListView.as_view(), name="building_list"),
    path("buildings/add/", views.BuildingEditView.as_view(), name="building_add"),
    path("buildings/<int:pk>/", views.BuildingDetailView.as_view(), name="building_detail"),
    path("buildings/<int:pk>/edit/", views.BuildingEditView.as_view(), name="building_edit"),
    path("buildings/<int:pk>/delete/", views.BuildingDeleteView.as_view(), name="building_delete"),
]
