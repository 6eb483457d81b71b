from rest_framework import serializers

from fangkong.core.api.serializers import ScopedModelSerializer

from ..models import Allocation, Donation, Fund, Item, Movement, SupplyRequest, Warehouse


class ItemSerializer(ScopedModelSerializer):
    class Meta:
        model = Item
        fields = [
            "id",
            "code",
            "name",
            "category",
            "spec",
            "unit",
            "alt_unit",
            "alt_factor",
            "alert_days",
            "active",
            "version",
        ]
        read_only_fields = ["version"]


class WarehouseSerializer(ScopedModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "area", "name", "kind", "address", "keeper", "active", "version"]
        read_only_fields = ["version"]


class MovementSerializer(ScopedModelSerializer):
    class Meta:
        model = Movement
        fields = [
            "id",
            "warehouse",
            "item",
            "lot",
            "kind",
            "quantity",
            "entered_quantity",
            "entered_unit",
            "occurred_at",
            "counterpart",
            "recipient",
            "allocation",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class DonationSerializer(ScopedModelSerializer):
    class Meta:
        model = Donation
        fields = [
            "id",
            "area",
            "kind",
            "donor_kind",
            "donor_name",
            "donor_contact",
            "channel",
            "intended_use",
            "date",
            "amount",
            "fund",
            "warehouse",
            "receipt_code",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class SupplyRequestSerializer(ScopedModelSerializer):
    class Meta:
        model = SupplyRequest
        fields = [
            "id",
            "unit",
            "item",
            "quantity",
            "urgency",
            "reason",
            "state",
            "approved_quantity",
            "decision_note",
            "created_at",
            "version",
        ]
        read_only_fields = ["state", "approved_quantity", "decision_note", "created_at", "version"]


class AllocationSerializer(ScopedModelSerializer):
    class Meta:
        model = Allocation
        fields = [
            "id",
            "request",
            "source",
            "quantity",
            "rank",
            "state",
            "dispatched_at",
            "received_at",
            "receipt_note",
        ]
        read_only_fields = fields


class FundSerializer(ScopedModelSerializer):
    income = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True)
    balance = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True)

    class Meta:
        model = Fund
        fields = ["id", "area", "name", "kind", "income", "balance"]
        read_only_fields = fields


class StockSerializer(serializers.Serializer):
    warehouse = serializers.IntegerField(source="warehouse.pk")
    item = serializers.IntegerField(source="item.pk")
    quantity = serializers.DecimalField(max_digits=20, decimal_places=4)
    daily_outflow = serializers.DecimalField(max_digits=20, decimal_places=4)
    days_of_cover = serializers.DecimalField(max_digits=20, decimal_places=1, allow_null=True)
    low = serializers.BooleanField()
