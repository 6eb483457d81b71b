import copy

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import Field

from fangkong.core.api.serializers import ScopedModelSerializer, TextField
from fangkong.health.api.serializers import MaskedNameField

from ..choices import ScanSource
from ..models import OutingApproval, Scan, Venue
from ..rules import MAX_BATCH
from ..services import VENUE_FIELDS


class VenueSerializer(ScopedModelSerializer):
    """场所/卡点. ``code`` is the random code of the public scan URL."""

    class Meta:
        model = Venue
        fields = ["id", *VENUE_FIELDS, "code", "version", "created_at"]
        read_only_fields = ["code", "version", "created_at"]
        extra_kwargs = {"address": {"required": False}, "notes": {"required": False}}


class ScanSerializer(ScopedModelSerializer):
    """扫码记录 (read only; scans are append-only and come in through ``batch``)."""

    id = serializers.UUIDField(source="uuid", read_only=True, label=_("记录编号"))
    person = TextField(source="person_label", read_only=True, label=_("姓名（脱敏）"))

    class Meta:
        model = Scan
        fields = [
            "id",
            "scanned_at",
            "venue",
            "resident",
            "person",
            "direction",
            "temperature",
            "colour",
            "admitted",
            "source",
            "id_number",
            "phone",
            "recorded_at",
        ]
        read_only_fields = fields


class ScanRecordSerializer(serializers.Serializer):
    """One scan of a batch. Records are checked one by one: a bad record comes back with its
    errors and does not fail the others. A field not listed here is refused (a misspelt one
    would lose its value); the scan time may not be older than the scans' retention period
    (28 days unless configured) nor more than 10 minutes ahead of the server's clock. Give
    either the personal code (``token``) or an ID number / phone."""

    # Documentation only: the service checks the records (``venues.rules.parse_record``).

    id = serializers.UUIDField(label=_("记录编号（设备生成的 UUID）"))
    venue = TextField(label=_("场所码"))
    scanned_at = serializers.DateTimeField(label=_("扫码时间"))
    direction = serializers.ChoiceField(choices=["in", "out"], required=False, label=_("进出"))
    temperature = serializers.DecimalField(
        max_digits=3, decimal_places=1, required=False, label=_("体温")
    )
    token = TextField(required=False, label=_("个人码"))
    id_number = TextField(required=False, label=_("身份证号"))
    phone = TextField(required=False, label=_("手机号"))
    name = TextField(required=False, label=_("姓名"))
    admitted = serializers.BooleanField(required=False, label=_("现场是否准入"))


@extend_schema_field(ScanRecordSerializer(many=True))
class RecordListField(serializers.ListField):
    """The batch's ``records``: a list of JSON objects, handed to the service as parsed.

    The service checks every record itself (per-record errors, good records kept), so DRF's
    per-item ``JSONField`` pass — a ``json.dumps`` of each record to prove what was just
    parsed from JSON is JSON — is skipped; the child still documents the items in the schema.
    """

    def run_child_validation(self, data):
        if any(item is None for item in data):  # DRF's own "may not be null" errors
            return super().run_child_validation(data)
        return list(data)


# What a batch's ``source`` may be: its JSON text → the choice.
SOURCES = {str(s): s for s in (ScanSource.DEVICE, ScanSource.PARTNER)}


class ScanBatchSerializer(serializers.Serializer):
    """A batch of scans from a checkpoint device or a partner system: good records are
    stored, bad ones come back one by one; resending a batch after a timeout stores nothing
    twice (a record is known by its ``id`` and ``scanned_at``)."""

    # Its fields are rebuilt from their arguments for each request rather than deep-copied
    # with them (DRF's way, which copied every lazy label and choice too: a sixth of a
    # single scan's own work); only a nested field is copied, as it is bound.

    source = serializers.ChoiceField(
        choices=list(SOURCES.values()),
        default=ScanSource.DEVICE,
        label=_("来源"),
    )
    records = RecordListField(
        child=serializers.JSONField(),
        allow_empty=False,
        max_length=MAX_BATCH,
        label=_("扫码记录"),
        help_text=_("每批最多 5000 条"),
    )

    def get_fields(self):
        def rebuilt(f: Field) -> Field:
            kwargs = {
                k: copy.deepcopy(v) if isinstance(v, Field) else v for k, v in f._kwargs.items()
            }
            return type(f)(*f._args, **kwargs)

        return {name: rebuilt(f) for name, f in self._declared_fields.items()}

    @classmethod
    def checked(cls, data) -> dict:
        """``validated_data`` of the body ``data``, or DRF's ``ValidationError``.

        A well-formed body (what a device sends every time) is read as it is — the same
        values the fields give it, which a test holds equal — without building the
        serializer and its fields for each request; anything else goes through them, for
        their errors."""
        if type(data) is dict:
            records, source = data.get("records"), data.get("source", ScanSource.DEVICE)
            if (
                type(records) is list
                and 0 < len(records) <= MAX_BATCH
                and isinstance(source, str)
                and source in SOURCES
                and not any(item is None for item in records)
            ):
                return {"source": SOURCES[source], "records": records}
        body = cls(data=data)
        body.is_valid(raise_exception=True)
        return body.validated_data


class ClockSerializer(serializers.Serializer):
    now = serializers.DateTimeField(label=_("服务器时间"))


class ScanBatchErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    field = TextField()
    message = TextField()


class ScanBatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = serializers.ListField(child=serializers.DictField())
    errors = ScanBatchErrorSerializer(many=True)


class OutingApprovalSerializer(ScopedModelSerializer):
    """外出审批报备. ``reason`` is written in plaintext and read masked."""

    resident_name = MaskedNameField(source="resident.name")

    class Meta:
        model = OutingApproval
        fields = [
            "id",
            "resident",
            "resident_name",
            "assignment",
            "reason",
            "destination",
            "starts_at",
            "ends_at",
            "state",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "cancelled_by",
            "cancelled_at",
            "cancel_note",
            "version",
        ]
        read_only_fields = [
            "assignment",
            "state",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "cancelled_by",
            "cancelled_at",
            "cancel_note",
            "version",
        ]


class OutingDecisionSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=500, label=_("审批意见"))
    version = serializers.IntegerField(required=False, min_value=1, label=_("版本"))
