from django.urls import path

from . import views

app_name = "supplies"
urlpatterns = [
    path("items/", views.ItemListView.as_view(), name="item_list"),
    path("items/add/", views.ItemEditView.as_view(), name="item_add"),
    path("items/import/", views.item_import, name="item_import"),
    path("items/import/template.xlsx", views.item_import_template, name="item_import_template"),
    path("items/<int:pk>/edit/", views.ItemEditView.as_view(), name="item_edit"),
    path("warehouses/", views.WarehouseListView.as_view(), name="warehouse_list"),
    path("warehouses/add/", views.WarehouseEditView.as_view(), name="warehouse_add"),
    path("warehouses/<int:pk>/", views.WarehouseDetailView.as_view(), name="warehouse_detail"),
    path("warehouses/<int:pk>/edit/", views.WarehouseEditView.as_view(), name="warehouse_edit"),
    path("movements/", views.MovementListView.as_view(), name="movement_list"),
    path("movements/import/", views.receipt_import, name="receipt_import"),
    path(
        "movements/import/template.xlsx",
        views.receipt_import_template,
        name="receipt_import_template",
    ),
    path("movements/<str:kind>/add/", views.movement_add, name="movement_add"),
    path("stock/", views.stock_list, name="stock_list"),
    path("donations/", views.DonationListView.as_view(), name="donation_list"),
    path("donations/add/", views.donation_add, name="donation_add"),
    path("donations/<int:pk>/", views.DonationDetailView.as_view(), name="donation_detail"),
    path("donations/<int:pk>/receipt.pdf", views.donation_receipt, name="donation_receipt"),
    path("donations/<int:pk>/void/", views.donation_void, name="donation_void"),
    path("receipts/<str:code>/", views.donation_verify, name="donation_verify"),
    path("requests/", views.SupplyRequestListView.as_view(), name="request_list"),
    path("requests/add/", views.request_add, name="request_add"),
    path("requests/<int:pk>/", views.SupplyRequestDetailView.as_view(), name="request_detail"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("allocate/", views.allocate, name="allocate"),
    path("allocations/", views.AllocationListView.as_view(), name="allocation_list"),
    path("allocations/<int:pk>/receive/", views.allocation_receive, name="allocation_receive"),
    path("funds/", views.FundListView.as_view(), name="fund_list"),
    path("funds/add/", views.fund_add, name="fund_add"),
    path("funds/entries/", views.FundEntryListView.as_view(), name="fundentry_list"),
    path("funds/<int:pk>/", views.FundDetailView.as_view(), name="fund_detail"),
    path("funds/<int:pk>/entries/", views.fund_entry_add, name="fund_entry_add"),
]
