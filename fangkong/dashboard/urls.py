from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("area/<int:area_pk>/", views.dashboard, name="area"),
    path("report/", views.report, name="report"),
]
