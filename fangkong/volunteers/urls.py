from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("", views.VolunteerListView.as_view(), name="volunteer_list"),
    path("add/", views.VolunteerEditView.as_view(), name="volunteer_add"),
    path("import/", views.volunteer_import, name="volunteer_import"),
    path("import/template.xlsx", views.volunteer_import_template, name="volunteer_import_template"),
    path("signup/", views.signup, name="signup"),
    path("certificates/", views.CertificateListView.as_view(), name="certificate_list"),
    path("<int:pk>/", views.VolunteerDetailView.as_view(), name="volunteer_detail"),
    path("<int:pk>/edit/", views.VolunteerEditView.as_view(), name="volunteer_edit"),
    path("<int:pk>/delete/", views.VolunteerDeleteView.as_view(), name="volunteer_delete"),
    path("<int:pk>/review/", views.volunteer_review, name="volunteer_review"),
    path("<int:pk>/account/", views.volunteer_account, name="volunteer_account"),
    path("<int:pk>/party-report/", views.party_report_add, name="party_report_add"),
    path("<int:pk>/certificate.pdf", views.volunteer_certificate, name="volunteer_certificate"),
    path("party-reports/", views.PartyReportListView.as_view(), name="party_report_list"),
    path("needs/", views.NeedListView.as_view(), name="need_list"),
    path("needs/add/", views.NeedEditView.as_view(), name="need_add"),
    path("needs/<int:pk>/", views.NeedDetailView.as_view(), name="need_detail"),
    path("needs/<int:pk>/edit/", views.NeedEditView.as_view(), name="need_edit"),
    path("needs/<int:pk>/delete/", views.NeedDeleteView.as_view(), name="need_delete"),
    path("needs/<int:pk>/dispatch/", views.need_dispatch, name="need_dispatch"),
    path("batches/", views.DispatchBatchListView.as_view(), name="batch_list"),
    path("batches/add/", views.batch_add, name="batch_add"),
    path("batches/<int:pk>/", views.DispatchBatchDetailView.as_view(), name="batch_detail"),
    path("tasks/", views.AssignmentListView.as_view(), name="assignment_list"),
    path("tasks/<int:pk>/cancel/", views.assignment_cancel, name="assignment_cancel"),
    path("tasks/<int:pk>/check-in/", views.assignment_check_in, name="assignment_check_in"),
    path("tasks/<int:pk>/respond/", views.my_task_respond, name="my_task_respond"),
    path("tasks/<int:pk>/record/", views.assignment_record_shift, name="assignment_record_shift"),
    path("shifts/", views.ShiftListView.as_view(), name="shift_list"),
    path("shifts/<int:pk>/check-out/", views.shift_check_out, name="shift_check_out"),
    path("my/", views.my_tasks, name="my_tasks"),
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("teams/add/", views.TeamEditView.as_view(), name="team_add"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<int:pk>/edit/", views.TeamEditView.as_view(), name="team_edit"),
    path("teams/<int:pk>/delete/", views.TeamDeleteView.as_view(), name="team_delete"),
]
