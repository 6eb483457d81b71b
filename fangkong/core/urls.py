"""Site-wide pages. ``home``, ``login`` and ``logout`` are un-namespaced (settings refer to them);
job and audit pages live under the ``core`` namespace."""

from django.urls import include, path

from fangkong.accounts import views as account_views

from .views import audit, home, jobs

core_patterns = [
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<uuid:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/progress/", jobs.job_progress, name="job_progress"),
    path("jobs/<uuid:pk>/confirm/", jobs.job_confirm, name="job_confirm"),
    path("jobs/<uuid:pk>/rejected.xlsx", jobs.job_rejected_file, name="job_rejected_file"),
    path("jobs/<uuid:pk>/export.xlsx", jobs.job_export_file, name="job_export_file"),
    path("audit/", audit.AuditListView.as_view(), name="audit_list"),
    path("audit/verify/", audit.audit_verify, name="audit_verify"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    path("", include((core_patterns, "core"))),
]
