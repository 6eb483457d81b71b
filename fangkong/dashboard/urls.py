from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("area/<int:area_pk>/", views.dashboard, name="area"),
    path("report/", views.report, name="report"),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/add/", views.template_edit, name="template_add"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/copy/", views.template_copy, name="template_copy"),
    path("templates/<int:pk>/delete/", views.TemplateDeleteView.as_view(), name="template_delete"),
    path("submitted/", views.SubmittedReportListView.as_view(), name="submitted_list"),
    path("submitted/submit/", views.submit, name="submit"),
    path("submitted/status/", views.submission_status, name="submission_status"),
    path("submitted/<int:pk>/", views.SubmittedReportDetailView.as_view(), name="submitted_detail"),
    path(
        "submitted/<int:pk>/export/<str:fmt>/",
        views.submitted_export,
        name="submitted_export",
    ),
]
