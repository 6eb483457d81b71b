from django.urls import path

from . import views

app_name = "pairing"
urlpatterns = [
    path("", views.PairingListView.as_view(), name="pairing_list"),
    path("add/", views.PairingAddView.as_view(), name="pairing_add"),
    path("import/", views.pairing_import, name="pairing_import"),
    path("import/template.xlsx", views.pairing_import_template, name="pairing_import_template"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/uncovered/", views.UncoveredHouseholdListView.as_view(), name="uncovered_list"),
    path("<int:pk>/delete/", views.PairingDeleteView.as_view(), name="pairing_delete"),
]
urlpatterns += [
    path("my/", views.my_households, name="my_households"),
    path("my/<int:pk>/", views.my_household, name="my_household"),
    path("my/<int:pk>/visit/", views.my_visit, name="my_visit"),
    path("my/<int:pk>/checkin/<int:assignment_pk>/", views.my_checkin, name="my_checkin"),
    path("my/<int:pk>/phone/<int:resident_pk>/", views.my_phone, name="my_phone"),
]
