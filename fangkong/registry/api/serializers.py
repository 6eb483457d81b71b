from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import ScopedModelSerializer, TextField

from ..choices import ResidentTag
from ..models import Building, Household, Resident


class TagsField(serializers.ListField):
    """Tags as a list of values (``["party", "elderly"]``); stored as ``,party,elderly,``."""

    child = serializers.ChoiceField(choices=ResidentTag.choices)

    def to_representation(self, data):
        return [t for t in (data or "").split(",") if t]


class ResidentSerializer(ScopedModelSerializer):
    """居民. ``id_number``, ``phone`` and ``address`` are written in plaintext, read masked."""

    area_name = TextField(source="area.name", read_only=True, label=_("网格名称"))
    tags = TagsField(required=False, label=_("标签"), help_text=_("标签（取值见枚举）"))

    class Meta:
        model = Resident
        fields = [
            "id",
            "area",
            "area_name",
            "household",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "address",
            "category",
            "origin",
            "arrival_date",
            "tags",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"id_number": {"allow_blank": False, "required": True}}


class RevealReasonSerializer(serializers.Serializer):
    reason = TextField(required=False, allow_blank=True, max_length=500, label=_("查看原因"))


class RevealSerializer(serializers.Serializer):
    """The plaintext personal fields of one resident (the reading is audited)."""

    id_number = TextField(label=_("身份证号"))
    phone = TextField(label=_("联系电话"))
    address = TextField(label=_("现住址"))


class HouseholdSerializer(ScopedModelSerializer):
    """户. ``address`` is written in plaintext, read masked."""

    area_name = TextField(source="area.name", read_only=True, label=_("网格名称"))
    building_name = TextField(
        source="building.name", read_only=True, default=None, allow_null=True, label=_("楼栋名称")
    )

    class Meta:
        model = Household
        fields = [
            "id",
            "area",
            "area_name",
            "building",
            "building_name",
            "number",
            "address",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ]


class BuildingSerializer(ScopedModelSerializer):
    """楼栋."""

    area_name = TextField(source="area.name", read_only=True, label=_("网格名称"))

    class Meta:
        model = Building
        fields = ["id", "area", "area_name", "name", "notes", "version", "created_at", "updated_at"]
