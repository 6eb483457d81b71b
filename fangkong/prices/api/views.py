import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from fangkong.core.api.views import ScopedReadOnlyModelViewSet
from fangkong.supplies.api.views import CreateUpdateViewSet

from .. import selectors, services
from ..filtersets import MarketFilterSet, PriceLineFilterSet
from ..models import Commodity, Market, PriceLine
from .serializers import (
    CommoditySerializer,
    MarketSerializer,
    PriceAlertSerializer,
    PriceLineSerializer,
)


class MarketViewSet(CreateUpdateViewSet):
    """市场/超市 in the caller's area subtree."""

    model = Market
    related = ("area",)
    serializer_class = MarketSerializer
    filterset_class = MarketFilterSet
    create_service = staticmethod(services.create_market)
    update_service = staticmethod(services.update_market)


class CommodityViewSet(CreateUpdateViewSet):
    """生活必需品 with their alert thresholds."""

    model = Commodity
    serializer_class = CommoditySerializer
    create_service = staticmethod(services.create_commodity)
    update_service = staticmethod(services.update_commodity)


class PriceLineViewSet(ScopedReadOnlyModelViewSet):
    """价格明细 of the daily reports; ``alerts`` lists the last 7 days' price alerts."""

    model = PriceLine
    related = ("commodity",)
    ordering = ("-date", "id")
    serializer_class = PriceLineSerializer
    filterset_class = PriceLineFilterSet

    @extend_schema(responses=PriceAlertSerializer(many=True), summary=_("涨价预警"))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def alerts(self, request):
        until = timezone.localdate()
        rows = selectors.price_alerts(
            PriceLine.objects.visible_to(request.user),
            since=until - datetime.timedelta(days=6),
            until=until,
        )
        return Response(PriceAlertSerializer(rows, many=True).data)
