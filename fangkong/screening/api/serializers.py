from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import ScopedModelSerializer, TextField

from ..models import Campaign, Finding, Visit


class CampaignSerializer(ScopedModelSerializer):
    """摸排行动."""

    area_name = TextField(source="area.name", read_only=True, label=_("范围名称"))

    class Meta:
        model = Campaign
        fields = [
            "id",
            "area",
            "area_name",
            "title",
            "description",
            "origin_filter",
            "since",
            "starts_on",
            "due_on",
            "created_by",
            "closed",
            "closed_at",
            "version",
            "created_at",
        ]
        read_only_fields = ["created_by", "closed", "closed_at", "version", "created_at"]


class VisitSerializer(ScopedModelSerializer):
    """入户走访. ``notes`` is written in plaintext and read masked."""

    household_number = TextField(source="household.number", read_only=True, label=_("户编号"))

    class Meta:
        model = Visit
        fields = [
            "id",
            "campaign",
            "household",
            "household_number",
            "outcome",
            "visited_at",
            "people_found",
            "new_people",
            "notes",
            "visited_by",
            "created_at",
        ]
        read_only_fields = ["visited_by", "created_at"]
        extra_kwargs = {"visited_at": {"required": False}, "notes": {"required": False}}


class FindingSerializer(ScopedModelSerializer):
    """摸排发现. The resident's name is shown masked."""

    resident_name = serializers.SerializerMethodField(label=_("姓名（脱敏）"))

    class Meta:
        model = Finding
        fields = [
            "id",
            "campaign",
            "resident",
            "resident_name",
            "visit",
            "kind",
            "found_at",
            "found_by",
            "created_at",
        ]
        read_only_fields = ["found_by", "created_at"]
        extra_kwargs = {"found_at": {"required": False}}

    def get_resident_name(self, obj: Finding) -> str:
        from fangkong.core.personal import mask_name

        return mask_name(obj.resident.name)
