from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from fangkong.core.api.views import (
    ScopedGenericViewSet,
    ScopedReadOnlyModelViewSet,
    ServiceCreateMixin,
    ServiceUpdateMixin,
)
from fangkong.core.filtersets import yes_no

from .. import selectors, services
from ..filtersets import (
    AllocationFilterSet,
    DonationFilterSet,
    FundFilterSet,
    ItemFilterSet,
    MovementFilterSet,
    SupplyRequestFilterSet,
    WarehouseFilterSet,
)
from ..models import Allocation, Donation, Fund, Item, Movement, SupplyRequest, Warehouse
from .serializers import (
    AllocationSerializer,
    DonationSerializer,
    FundSerializer,
    ItemSerializer,
    MovementSerializer,
    StockSerializer,
    SupplyRequestSerializer,
    WarehouseSerializer,
)


class CreateUpdateViewSet(
    ServiceCreateMixin,
    ServiceUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedGenericViewSet,
):
    """List, detail, create and update through services; rows are never deleted here."""


class ItemViewSet(CreateUpdateViewSet):
    """物资品目."""

    model = Item
    serializer_class = ItemSerializer
    filterset_class = ItemFilterSet
    create_service = staticmethod(services.create_item)
    update_service = staticmethod(services.update_item)


class WarehouseViewSet(CreateUpdateViewSet):
    """物资库点 in the caller's area subtree."""

    model = Warehouse
    related = ("area",)
    serializer_class = WarehouseSerializer
    filterset_class = WarehouseFilterSet
    create_service = staticmethod(services.create_warehouse)
    update_service = staticmethod(services.update_warehouse)


class MovementViewSet(ScopedReadOnlyModelViewSet):
    """库存流水 (read only: rows are written by the stock services); ``stock`` derives stock."""

    model = Movement
    serializer_class = MovementSerializer
    filterset_class = MovementFilterSet

    @extend_schema(
        responses=StockSerializer(many=True),
        summary=_("库存与可用天数"),
        parameters=[OpenApiParameter("low", bool, description=_("只返回低库存预警"))],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def stock(self, request):
        movements = Movement.objects.visible_to(request.user)
        try:
            low = bool(yes_no(request.query_params.get("low")))
        except ValueError:
            raise ValidationError({"low": [_("只能是 true 或 false")]}) from None
        rows = selectors.low_stock_alerts(movements) if low else selectors.stock_table(movements)
        return Response(StockSerializer(rows, many=True).data)


class DonationViewSet(ScopedReadOnlyModelViewSet):
    """捐赠 (donor contact masked)."""

    model = Donation
    related = ("area",)
    serializer_class = DonationSerializer
    filterset_class = DonationFilterSet


class SupplyRequestViewSet(ServiceCreateMixin, ScopedReadOnlyModelViewSet):
    """物资申领: a front-line unit submits; approval and allocation are on the web pages."""

    model = SupplyRequest
    related = ("unit", "item")
    serializer_class = SupplyRequestSerializer
    filterset_class = SupplyRequestFilterSet
    service_takes_data = False
    create_service = staticmethod(services.submit_request)


class AllocationViewSet(ScopedReadOnlyModelViewSet):
    """调拨发放."""

    model = Allocation
    related = ("request", "source")
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilterSet


class FundViewSet(ScopedReadOnlyModelViewSet):
    """专项资金 with income and balance derived from their entries."""

    model = Fund
    selector = staticmethod(selectors.fund_list)
    serializer_class = FundSerializer
    filterset_class = FundFilterSet
