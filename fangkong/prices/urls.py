from django.urls import path

from . import views

app_name = "prices"
urlpatterns = [
    path("markets/", views.MarketListView.as_view(), name="market_list"),
    path("markets/add/", views.MarketEditView.as_view(), name="market_add"),
    path("markets/import/", views.market_import, name="market_import"),
    path(
        "markets/import/template.xlsx",
        views.market_import_template,
        name="market_import_template",
    ),
    path("markets/<int:pk>/edit/", views.MarketEditView.as_view(), name="market_edit"),
    path("markets/<int:pk>/report/", views.report, name="report"),
    path("commodities/", views.CommodityListView.as_view(), name="commodity_list"),
    path("commodities/add/", views.CommodityEditView.as_view(), name="commodity_add"),
    path("commodities/<int:pk>/edit/", views.CommodityEditView.as_view(), name="commodity_edit"),
    path("lines/", views.PriceLineListView.as_view(), name="line_list"),
    path("trend/", views.trend, name="trend"),
    path("alerts/", views.alert_list, name="alert_list"),
]
