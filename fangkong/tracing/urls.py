from django.urls import path

from . import views

app_name = "tracing"

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/add/", views.case_add, name="case_add"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", views.CaseEditView.as_view(), name="case_edit"),
    path("cases/<int:pk>/trace/", views.case_trace, name="case_trace"),
    path("cases/<int:pk>/contacts/add/", views.case_contact_add, name="case_contact_add"),
    path(
        "cases/<int:pk>/contacts/import/",
        views.named_contact_import,
        name="named_contact_import",
    ),
    path(
        "cases/<int:pk>/contacts/import/template.xlsx",
        views.named_contact_import_template,
        name="named_contact_import_template",
    ),
    path("cases/<int:pk>/discharge/", views.case_discharge, name="case_discharge"),
    path("cases/<int:pk>/void/", views.case_void, name="case_void"),
    path("cases/<int:pk>/quarantine/", views.case_quarantine, name="case_quarantine"),
    path("cases/<int:pk>/visitors/", views.case_visitor_contact, name="case_visitor_contact"),
    path("cases/<int:pk>/visitors.xlsx", views.case_visitors_export, name="case_visitors_export"),
    path("cases/<int:pk>/chain.svg", views.case_chain_svg, name="case_chain_svg"),
    path("cases/<int:pk>/chain.xlsx", views.case_chain_export, name="case_chain_export"),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/<int:pk>/confirm/", views.contact_confirm, name="contact_confirm"),
    path("contacts/<int:pk>/dismiss/", views.contact_dismiss, name="contact_dismiss"),
]
