from django.urls import path

from . import views

app_name = "status"
urlpatterns = [
    path("", views.PersonStatusListView.as_view(), name="status_list"),
    path("overrides/", views.StatusOverrideListView.as_view(), name="override_list"),
    path("overrides/add/", views.override_request, name="override_add"),
    path("overrides/approvals/", views.override_queue, name="override_queue"),
    path("overrides/<int:pk>/approve/", views.override_approve, name="override_approve"),
    path("overrides/<int:pk>/reject/", views.override_reject, name="override_reject"),
    path("residents/<int:pk>/override/", views.override_request, name="resident_override"),
    path("residents/<int:pk>/qr/", views.personal_qr, name="personal_qr"),
    path("verify/", views.verify, name="verify"),
    path("code/<str:token>/", views.personal_status, name="personal"),
]
