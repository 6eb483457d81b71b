from django.urls import path

from . import views

app_name = "health"
urlpatterns = [
    path("assignments/", views.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/add/", views.assignment_add, name="assignment_add"),
    path("assignments/handover/", views.assignment_handover, name="assignment_handover"),
    path("assignments/import/", views.assignment_import, name="assignment_import"),
    path(
        "assignments/import/template.xlsx",
        views.assignment_import_template,
        name="assignment_import_template",
    ),
    path("assignments/<int:pk>/", views.AssignmentDetailView.as_view(), name="assignment_detail"),
    path("assignments/<int:pk>/edit/", views.AssignmentEditView.as_view(), name="assignment_edit"),
    path("assignments/<int:pk>/release/", views.assignment_release, name="assignment_release"),
    path("assignments/<int:pk>/checkin/", views.checkin_add, name="checkin_add"),
    path("assignments/<int:pk>/certificate/", views.certificate_issue, name="certificate_issue"),
    path("alerts/", views.AlertListView.as_view(), name="alert_list"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("overdue/", views.overdue_list, name="overdue_list"),
    path("tests/", views.NucleicAcidTestListView.as_view(), name="nat_list"),
    path("tests/add/", views.nat_add, name="nat_add"),
    path("tests/<int:pk>/", views.NucleicAcidTestDetailView.as_view(), name="nat_detail"),
    path("tests/<int:pk>/review/", views.nat_review, name="nat_review"),
    path("tests/import/", views.nat_import, name="nat_import"),
    path("tests/import/template.xlsx", views.nat_import_template, name="nat_import_template"),
    path("certificates/", views.HealthCertificateListView.as_view(), name="certificate_list"),
    path(
        "certificates/<int:pk>/",
        views.HealthCertificateDetailView.as_view(),
        name="certificate_detail",
    ),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("report/<str:token>/", views.self_report, name="self_report"),
]

# Public verification pages, mounted at /verify/ (namespace "verify").
verify_patterns = [
    path("certificate/<str:code>/", views.certificate_verify, name="certificate"),
]
