from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import ModelSerializer, TextField

from ..models import RiskDesignation, RiskLevel


class RiskLevelSerializer(ModelSerializer):
    """风险等级."""

    class Meta:
        model = RiskLevel
        fields = ["id", "name", "rank", "colour"]
        validators = []  # uniqueness is checked by the service, with its own messages
        extra_kwargs = {"name": {"validators": []}, "rank": {"validators": []}}


class RiskDesignationSerializer(ModelSerializer):
    """风险地区认定: ``area`` (this platform) or ``place_name``/``place_code`` (elsewhere)."""

    place_label = TextField(read_only=True, label=_("地区"))
    level_name = TextField(source="level.name", read_only=True, label=_("风险等级"))

    class Meta:
        model = RiskDesignation
        fields = [
            "id",
            "area",
            "place_name",
            "place_code",
            "place_label",
            "level",
            "level_name",
            "effective_from",
            "effective_to",
            "set_by",
            "reason",
            "created_at",
        ]
        read_only_fields = ["effective_to", "set_by", "created_at"]


class EndDesignationSerializer(serializers.Serializer):
    effective_to = serializers.DateTimeField(label=_("解除时间"))
    reason = TextField(max_length=1000, label=_("解除依据"))
