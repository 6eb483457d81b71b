from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fangkong.core.api.serializers import ScopedModelSerializer, TextField
from fangkong.core.personal import mask_name

from ..engine import render
from ..models import PersonStatus, StatusOverride


class MaskedResidentNameMixin(serializers.Serializer):
    resident_name = serializers.SerializerMethodField(label=_("姓名（脱敏）"))

    def get_resident_name(self, obj) -> str:
        return mask_name(obj.resident.name)


class PersonStatusSerializer(MaskedResidentNameMixin, serializers.ModelSerializer):
    """人员状态 (read only: derived by the rules, never written through the API)."""

    area_name = TextField(source="area.name", read_only=True, label=_("网格名称"))
    reasons = serializers.SerializerMethodField(label=_("原因"))
    overridden = serializers.SerializerMethodField(label=_("人工调整"))

    class Meta:
        model = PersonStatus
        fields = [
            "resident",
            "resident_name",
            "area",
            "area_name",
            "colour",
            "reasons",
            "overridden",
            "rules_version",
            "computed_at",
            "valid_until",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_reasons(self, obj: PersonStatus) -> list[str]:
        return [render(r) for r in obj.reasons or []]

    def get_overridden(self, obj: PersonStatus) -> bool:
        return obj.override_id is not None


class StatusOverrideSerializer(MaskedResidentNameMixin, ScopedModelSerializer):
    """状态人工调整: create = a request; ``approve``/``reject`` by a higher role."""

    class Meta:
        model = StatusOverride
        fields = [
            "id",
            "resident",
            "resident_name",
            "colour",
            "reason",
            "expires_at",
            "state",
            "requested_by",
            "requested_at",
            "approved_by",
            "approved_at",
            "rejected_by",
            "rejected_at",
            "rejection_note",
        ]
        read_only_fields = [
            "state",
            "requested_by",
            "requested_at",
            "approved_by",
            "approved_at",
            "rejected_by",
            "rejected_at",
            "rejection_note",
        ]


class RejectSerializer(serializers.Serializer):
    note = TextField(max_length=1000, label=_("驳回说明"))
