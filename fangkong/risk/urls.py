from django.urls import path

from . import views

app_name = "risk"
urlpatterns = [
    path("levels/", views.RiskLevelListView.as_view(), name="level_list"),
    path("levels/add/", views.RiskLevelEditView.as_view(), name="level_add"),
    path("designations/", views.RiskDesignationListView.as_view(), name="designation_list"),
    path("designations/add/", views.designation_add, name="designation_add"),
    path("designations/import/", views.designation_import, name="designation_import"),
    path(
        "designations/import/template.xlsx",
        views.designation_import_template,
        name="designation_import_template",
    ),
    path(
        "designations/<int:pk>/",
        views.RiskDesignationDetailView.as_view(),
        name="designation_detail",
    ),
    path("designations/<int:pk>/end/", views.designation_end, name="designation_end"),
]
