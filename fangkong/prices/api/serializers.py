from rest_framework import serializers

from fangkong.core.api.serializers import ScopedModelSerializer

from ..models import Commodity, Market, PriceLine


class MarketSerializer(ScopedModelSerializer):
    class Meta:
        model = Market
        fields = ["id", "area", "name", "kind", "address", "active", "version"]
        read_only_fields = ["version"]


class CommoditySerializer(ScopedModelSerializer):
    class Meta:
        model = Commodity
        fields = [
            "id",
            "name",
            "category",
            "price_unit",
            "stock_unit",
            "sort_order",
            "alert_percent",
            "baseline_days",
            "active",
            "version",
        ]
        read_only_fields = ["version"]


class PriceLineSerializer(ScopedModelSerializer):
    class Meta:
        model = PriceLine
        fields = ["id", "report", "market", "commodity", "date", "price", "stock"]
        read_only_fields = fields


class PriceAlertSerializer(serializers.Serializer):
    market = serializers.IntegerField(source="market.pk")
    commodity = serializers.IntegerField(source="commodity.pk")
    date = serializers.DateField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    baseline = serializers.DecimalField(max_digits=10, decimal_places=2)
    rise_percent = serializers.DecimalField(max_digits=10, decimal_places=1)
