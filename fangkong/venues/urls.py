from django.urls import path

from . import views

app_name = "venues"
urlpatterns = [
    path("venues/", views.VenueListView.as_view(), name="venue_list"),
    path("venues/add/", views.VenueEditView.as_view(), name="venue_add"),
    path("venues/import/", views.venue_import, name="venue_import"),
    path("venues/import/template.xlsx", views.venue_import_template, name="venue_import_template"),
    path("venues/<int:pk>/", views.VenueDetailView.as_view(), name="venue_detail"),
    path("venues/<int:pk>/edit/", views.VenueEditView.as_view(), name="venue_edit"),
    path("venues/<int:pk>/delete/", views.VenueDeleteView.as_view(), name="venue_delete"),
    path("venues/<int:pk>/poster.pdf", views.venue_poster, name="venue_poster"),
    path("venues/<int:pk>/checkpoint/", views.checkpoint, name="checkpoint"),
    path("scans/", views.ScanListView.as_view(), name="scan_list"),
    path("outings/", views.OutingApprovalListView.as_view(), name="outing_list"),
    path("outings/add/", views.outing_add, name="outing_add"),
    path("outings/<int:pk>/", views.OutingApprovalDetailView.as_view(), name="outing_detail"),
    path("outings/<int:pk>/decide/", views.outing_decide, name="outing_decide"),
    path("outings/<int:pk>/cancel/", views.outing_cancel, name="outing_cancel"),
    # Public (no login): the URL in the venue's QR code; only the venue's random code in it.
    path("s/<str:code>/", views.public_scan, name="public_scan"),
]
