from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import IdField, ScopedModelSerializer, TextField

from ..models import Reward, Tip


class TipSerializer(ScopedModelSerializer):
    """举报线索 (read); the tip-giver's name and phone are always masked here."""

    class Meta:
        model = Tip
        fields = [
            "id",
            "receipt_code",
            "category",
            "description",
            "place",
            "area",
            "anonymous",
            "contact_name",
            "contact_phone",
            "state",
            "triage_note",
            "outcome",
            "assigned_at",
            "verified_at",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class TipAssignSerializer(serializers.Serializer):
    area = IdField(label=_("交办区域"))
    note = TextField(label=_("分拣意见"), required=False, allow_blank=True, default="")
    version = serializers.IntegerField(label=_("版本"), min_value=1)


class TipRejectSerializer(serializers.Serializer):
    note = TextField(label=_("不予受理原因"))
    version = serializers.IntegerField(label=_("版本"), min_value=1)


class TipReturnSerializer(serializers.Serializer):
    note = TextField(label=_("退回原因"))
    version = serializers.IntegerField(label=_("版本"), min_value=1)


class TipVerifySerializer(serializers.Serializer):
    founded = serializers.BooleanField(label=_("属实"))
    outcome = TextField(label=_("核查结果"))
    version = serializers.IntegerField(label=_("版本"), min_value=1)


class RewardSerializer(ScopedModelSerializer):
    class Meta:
        model = Reward
        fields = ["id", "tip", "amount", "note", "paid_on", "created_at", "version"]
        read_only_fields = ["paid_on", "created_at", "version"]


class RewardPaidSerializer(serializers.Serializer):
    paid_on = serializers.DateField(label=_("发放日期"))
    version = serializers.IntegerField(label=_("版本"), min_value=1)
