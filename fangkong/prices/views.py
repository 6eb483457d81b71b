"""Price pages: markets and necessities, the phone daily report, trends with a server-side
SVG chart, and price alerts. Writes go through ``prices.services``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.exporting import export_xlsx
from fangkong.core.filtersets import bound_filter_form
from fangkong.core.forms import style_form
from fangkong.core.services import ConflictError
from fangkong.core.views.generic import ObjectEditView, ObjectListView, add_service_errors
from fangkong.core.views.imports import import_views

from . import selectors, services
from .filtersets import MarketFilterSet, PriceAlertFilterSet, PriceLineFilterSet
from .forms import CommodityForm, MarketForm, MarketImportForm, PriceReportForm
from .models import Commodity, Market, PriceLine, PriceReport
from .tables import CommodityTable, MarketTable, PriceAlertTable, PriceLineTable, TrendTable

TREND_DAYS = 30


class MarketListView(ObjectListView):
    model = Market
    filterset_class = MarketFilterSet
    table_class = MarketTable
    selector = staticmethod(lambda qs: qs.select_related("area"))
    export_permission = "prices.view_market"
    list_url_name = "prices:market_list"
    add_url_name = "prices:market_add"
    extra_actions = (
        ("prices:line_list", gettext_lazy("价格明细"), "prices.view_pricereport"),
        ("prices:trend", gettext_lazy("价格走势"), "prices.view_pricereport"),
        ("prices:alert_list", gettext_lazy("涨价预警"), "prices.view_pricereport"),
        ("prices:commodity_list", gettext_lazy("生活必需品"), "prices.view_commodity"),
        ("prices:market_import", gettext_lazy("批量导入"), "prices.add_market"),
    )


class MarketEditView(ObjectEditView):
    model = Market
    form_class = MarketForm
    create_service = staticmethod(services.create_market)
    update_service = staticmethod(services.update_market)
    list_url_name = "prices:market_list"


class CommodityListView(ObjectListView):
    model = Commodity
    table_class = CommodityTable
    export_permission = "prices.view_commodity"
    list_url_name = "prices:commodity_list"
    add_url_name = "prices:commodity_add"


class CommodityEditView(ObjectEditView):
    model = Commodity
    form_class = CommodityForm
    create_service = staticmethod(services.create_commodity)
    update_service = staticmethod(services.update_commodity)
    list_url_name = "prices:commodity_list"


class PriceLineListView(ObjectListView):
    model = PriceLine
    filterset_class = PriceLineFilterSet
    table_class = PriceLineTable
    selector = staticmethod(lambda qs: qs.select_related("market", "market__area", "commodity"))
    export_permission = "prices.export_pricereport"
    list_url_name = "prices:line_list"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).order_by("-date", "market__name", "commodity__sort_order")
        )


@permission_required("prices.add_pricereport", raise_exception=True)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """今日价格日报 of one market, from a phone: every necessity on one page."""
    market = get_object_or_404(Market.objects.visible_to(request.user), pk=pk)
    today = timezone.localdate()
    existing = PriceReport.objects.filter(market=market, date=today).first()
    commodities = list(Commodity.objects.filter(active=True))
    current = selectors.latest_lines(existing)
    data = request.POST if request.method == "POST" else None  # an all-blank report is bound
    form = PriceReportForm(
        data,
        commodities=commodities,
        current=current,
        initial={"note": existing.note if existing else ""},
    )
    version = request.POST.get("version") or (existing.version if existing else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_price_report(
                actor=request.user,
                market=market,
                prices=form.prices(),
                note=form.cleaned_data["note"],
                expected_version=version,
                today=today,
            )
        except ConflictError as e:
            form.add_error(None, e.messages)
            status = 409
        except ValidationError as e:
            add_service_errors(form, e)
        except PermissionDenied as e:
            form.add_error(None, str(e))
        else:
            messages.success(
                request,
                _("已提交 %(m)s %(d)s 的价格日报") % {"m": market.name, "d": today.isoformat()},
            )
            return redirect("prices:report", pk=market.pk)
    response = render(
        request,
        "prices/report_form.html",
        {
            "market": market,
            "form": form,
            "today": today,
            "existing": existing,
            "version": version,
        },
    )
    response.status_code = status
    return response


@permission_required("prices.view_pricereport", raise_exception=True)
def trend(request: HttpRequest) -> HttpResponse:
    """价格走势: one necessity's daily average, low and high over the markets in scope."""
    commodities = list(Commodity.objects.all())
    chosen = request.GET.get("commodity", "")
    commodity = next((c for c in commodities if str(c.pk) == chosen), None) or (
        commodities[0] if commodities else None
    )
    until = timezone.localdate()
    since = until - datetime.timedelta(days=TREND_DAYS - 1)
    points = []
    if commodity is not None:
        points = selectors.price_trend(
            PriceLine.objects.visible_to(request.user),
            commodity=commodity,
            since=since,
            until=until,
        )
    if request.GET.get("export") == "xlsx":
        return export_xlsx(
            points,
            TrendTable.export_columns(),
            user=request.user,
            model=PriceLine,
            filters={"commodity": chosen},
            title=_("价格走势"),
        )
    return render(
        request,
        "prices/trend.html",
        {
            "commodities": commodities,
            "commodity": commodity,
            "table": TrendTable(points),
            # Built from numbers and dates only (no user text), so safe to inline.
            "chart": mark_safe(selectors.trend_svg(points)),  # noqa: S308
            "since": since,
            "until": until,
        },
    )


@permission_required("prices.view_pricereport", raise_exception=True)
def alert_list(request: HttpRequest) -> HttpResponse:
    """涨价预警 of the 7 days up to a day (today by default), or of that day alone, in scope
    or in an area of it; biggest rise first; exportable."""
    filterset = PriceAlertFilterSet(
        request.GET or None, queryset=PriceLine.objects.visible_to(request.user), request=request
    )
    style_form(bound_filter_form(filterset.form))
    chosen = filterset.form.cleaned_data if filterset.is_valid() else {}
    until = chosen.get("date") or timezone.localdate()
    since = until if chosen.get("day_only") else until - datetime.timedelta(days=6)
    rows = selectors.price_alerts(filterset.qs, since=since, until=until)
    if request.GET.get("export") == "xlsx":
        return export_xlsx(
            rows,
            PriceAlertTable.export_columns(),
            user=request.user,
            model=PriceLine,
            filters={"since": since.isoformat(), "until": until.isoformat()}
            | {k: str(getattr(v, "pk", v)) for k, v in chosen.items() if v not in (None, "")},
            title=_("涨价预警"),
        )
    return render(
        request,
        "prices/alert_list.html",
        {
            "filterset": filterset,
            "table": PriceAlertTable(rows),
            "count": len(rows),
            "since": since,
            "until": until,
            "query_string": request.GET.urlencode(),
        },
    )


MARKET_IMPORTER = "prices.market"


market_import, market_import_template = import_views(
    importer=MARKET_IMPORTER,
    permission="prices.add_market",
    form_class=MarketImportForm,
    template_name="prices/market_import.html",
    template_url_name="prices:market_import_template",
    file_name=lambda: _("市场名单导入模板") + ".xlsx",
)
