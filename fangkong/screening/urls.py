from django.urls import path

from . import views

app_name = "screening"
urlpatterns = [
    path("campaigns/", views.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/add/", views.CampaignEditView.as_view(), name="campaign_add"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path("campaigns/<int:pk>/coverage/", views.campaign_coverage, name="campaign_coverage"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path(
        "campaigns/<int:pk>/unvisited/",
        views.UnvisitedHouseholdListView.as_view(),
        name="campaign_unvisited",
    ),
    path("campaigns/<int:pk>/visit/", views.visit_start, name="visit_start"),
    path(
        "campaigns/<int:pk>/visit/<int:household_pk>/",
        views.visit_record,
        name="visit_record",
    ),
    path(
        "campaigns/<int:pk>/visit/<int:household_pk>/finding/",
        views.finding_record,
        name="finding_record",
    ),
    path(
        "campaigns/<int:pk>/visits/<int:visit_pk>/correct/",
        views.visit_correct,
        name="visit_correct",
    ),
    path(
        "campaigns/<int:pk>/visits/<int:visit_pk>/void/",
        views.visit_void,
        name="visit_void",
    ),
    path("campaigns/<int:pk>/import/", views.finding_import, name="finding_import"),
    path(
        "campaigns/<int:pk>/import/template.xlsx",
        views.finding_import_template,
        name="finding_import_template",
    ),
    path("visits/", views.VisitListView.as_view(), name="visit_list"),
    path("findings/", views.FindingListView.as_view(), name="finding_list"),
]
