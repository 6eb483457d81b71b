from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import ScopedModelSerializer, TextField
from fangkong.core.personal import mask_name

from ..choices import REVIEW_OUTCOMES, Symptom
from ..models import Alert, Assignment, CheckIn, HealthCertificate, NucleicAcidTest


class MaskedNameField(serializers.CharField):
    """A resident's name, always masked (张*三)."""

    def __init__(self, source: str, **kwargs):
        super().__init__(source=source, read_only=True, label=_("姓名（脱敏）"), **kwargs)

    def to_representation(self, value):
        return mask_name(value or "")


class SymptomsField(serializers.ListField):
    """Symptoms as a list of values (``["cough"]``); stored as ``,cough,``."""

    child = serializers.ChoiceField(choices=Symptom.choices)

    def to_representation(self, data):
        return [s for s in (data or "").split(",") if s]


class AssignmentSerializer(ScopedModelSerializer):
    """隔离/监测安排. ``place`` is written in plaintext and read masked."""

    resident_name = MaskedNameField(source="resident.name")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "resident",
            "resident_name",
            "kind",
            "start_date",
            "end_date",
            "place",
            "responsible",
            "doctor",
            "state",
            "released_at",
            "released_by",
            "release_note",
            "contact",
            "version",
            "created_at",
        ]
        read_only_fields = [
            "state",
            "released_at",
            "released_by",
            "release_note",
            "contact",
            "version",
            "created_at",
        ]
        extra_kwargs = {"place": {"required": False}, "doctor": {"required": False}}


class ReleaseSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=1000, label=_("解除说明"))
    version = serializers.IntegerField(required=False, min_value=1, label=_("版本"))


class CheckInSerializer(ScopedModelSerializer):
    """健康打卡 entered by staff; sending the same slot again is a no-op."""

    symptoms = SymptomsField(required=False, label=_("症状"))

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "assignment",
            "date",
            "slot",
            "temperature",
            "symptoms",
            "source",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["source", "recorded_by", "recorded_at"]


class AlertSerializer(ScopedModelSerializer):
    """健康预警."""

    resident_name = MaskedNameField(source="assignment.resident.name")

    class Meta:
        model = Alert
        fields = [
            "id",
            "assignment",
            "resident_name",
            "kind",
            "date",
            "slot",
            "message",
            "acknowledged_by",
            "acknowledged_at",
            "created_at",
        ]
        read_only_fields = fields


class NucleicAcidTestSerializer(ScopedModelSerializer):
    """核酸检测."""

    resident_name = MaskedNameField(source="resident.name")

    class Meta:
        model = NucleicAcidTest
        fields = [
            "id",
            "resident",
            "resident_name",
            "sampled_at",
            "result",
            "institution",
            "reported_at",
            "review",
            "created_at",
        ]
        read_only_fields = ["review", "created_at"]
        validators = []


class HealthCertificateSerializer(ScopedModelSerializer):
    """健康证明: create = issue for a released assignment; ``revoke`` with a reason."""

    resident_name = MaskedNameField(source="resident.name")

    class Meta:
        model = HealthCertificate
        fields = [
            "id",
            "assignment",
            "resident",
            "resident_name",
            "code",
            "issued_by",
            "issued_at",
            "revoked",
            "revoked_reason",
            "revoked_at",
        ]
        read_only_fields = [
            "resident",
            "code",
            "issued_by",
            "issued_at",
            "revoked",
            "revoked_reason",
            "revoked_at",
        ]


class NatReviewSerializer(serializers.Serializer):
    review = serializers.ChoiceField(
        choices=REVIEW_OUTCOMES,
        label=_("复核结论"),
    )
    review_note = TextField(max_length=1000, required=False, allow_blank=True, label=_("复核说明"))


class RevokeSerializer(serializers.Serializer):
    reason = TextField(max_length=1000, label=_("作废原因"))
