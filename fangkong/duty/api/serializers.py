from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import (
    IdField,
    ModelSerializer,
    QueryDateField,
    ScopedModelSerializer,
    TextField,
)

from ..choices import DutyRole, NoticeKind
from ..models import Handover, HandoverItem, Notice, NoticeReceipt, Shift, WorkingGroup


class WorkingGroupSerializer(ScopedModelSerializer):
    class Meta:
        model = WorkingGroup
        fields = ["id", "area", "name", "leader", "members", "description", "version"]
        read_only_fields = ["version"]


class ShiftSerializer(ScopedModelSerializer):
    person_name = TextField(source="person.display_name", read_only=True)
    covered_for_name = TextField(
        source="covered_for.display_name", read_only=True, allow_null=True, label=_("原排班人员")
    )
    # Not "role": that name belongs to the account role in the API schema.
    duty_role = serializers.ChoiceField(
        source="role", choices=DutyRole.choices, default=DutyRole.OFFICER, label=_("值班角色")
    )

    class Meta:
        model = Shift
        fields = [
            "id",
            "area",
            "group",
            "person",
            "person_name",
            "duty_role",
            "phone",
            "start",
            "end",
            "note",
            "covered_for",
            "covered_for_name",
            "cover_reason",
            "version",
        ]
        # A cover is written by the ``cover`` action, with its reason, never by an edit.
        read_only_fields = ["covered_for", "cover_reason", "version"]


class ShiftCoverSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, label=_("版本"))
    # Any active account; the service checks the caller can see the person.
    person = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), label=_("替班人员")
    )
    reason = TextField(
        max_length=Shift._meta.get_field("cover_reason").max_length, label=_("替班原因")
    )


class HandoverItemSerializer(ModelSerializer):
    class Meta:
        model = HandoverItem
        fields = ["id", "text", "closed_at", "closed_by", "close_note"]
        read_only_fields = fields


class HandoverSerializer(ScopedModelSerializer):
    # Any active account; the service checks the person belongs to the unit.
    incoming = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), label=_("接班人")
    )
    items = HandoverItemSerializer(many=True, read_only=True)
    carried_items = HandoverItemSerializer(many=True, read_only=True)
    new_items = serializers.ListField(
        child=TextField(max_length=300),
        write_only=True,
        required=False,
        label=_("新增待办事项"),
    )

    class Meta:
        model = Handover
        fields = [
            "id",
            "area",
            "shift",
            "outgoing",
            "incoming",
            "handed_at",
            "notes",
            "new_items",
            "items",
            "carried_items",
            "acknowledged_at",
            "version",
        ]
        read_only_fields = ["outgoing", "handed_at", "acknowledged_at", "version"]


class CloseItemSerializer(serializers.Serializer):
    note = TextField(label=_("办结说明"), max_length=300, required=False, default="")


class NoticeSerializer(ScopedModelSerializer):
    kind = serializers.ChoiceField(choices=NoticeKind.choices, default=NoticeKind.NOTICE)
    target_roles = serializers.ListField(
        child=TextField(max_length=16),
        required=False,
        default=list,
        label=_("接收角色"),
        help_text=_("角色代码（与账号的 role 相同），不填表示所有角色"),
    )
    acknowledged_count = serializers.SerializerMethodField(label=_("已签收人数"))
    overdue = serializers.SerializerMethodField(label=_("已逾期"))

    class Meta:
        model = Notice
        fields = [
            "id",
            "sender_area",
            "kind",
            "title",
            "body",
            "deadline",
            "target_areas",
            "target_roles",
            "sent_by",
            "sent_at",
            "recipient_count",
            "acknowledged_count",
            "overdue",
        ]
        read_only_fields = ["sent_by", "sent_at", "recipient_count"]
        # Roles alone address the sending unit's whole subtree.
        extra_kwargs = {"target_areas": {"required": False}}

    def get_acknowledged_count(self, notice) -> int:
        return getattr(notice, "acknowledged_count", 0)

    def get_overdue(self, notice) -> bool:
        return notice.is_overdue()


class NoticeReceiptSerializer(ModelSerializer):
    user_name = TextField(source="user.display_name", read_only=True)
    area_name = TextField(source="area.name", read_only=True)

    class Meta:
        model = NoticeReceipt
        fields = [
            "id",
            "notice",
            "user",
            "user_name",
            "area",
            "area_name",
            "role",
            "acknowledged_at",
            "reminded_at",
            "remind_count",
        ]
        read_only_fields = fields


class InboxSerializer(ModelSerializer):
    """A receipt as its recipient sees it: the notice and whether it is signed."""

    title = TextField(source="notice.title", read_only=True)
    kind = TextField(source="notice.kind", read_only=True)
    sender_area_name = TextField(source="notice.sender_area.name", read_only=True)
    sent_at = serializers.DateTimeField(source="notice.sent_at", read_only=True)
    deadline = serializers.DateTimeField(source="notice.deadline", read_only=True)

    class Meta:
        model = NoticeReceipt
        fields = [
            "id",
            "notice",
            "title",
            "kind",
            "sender_area_name",
            "sent_at",
            "deadline",
            "acknowledged_at",
            "remind_count",
        ]
        read_only_fields = fields


class UnitCountSerializer(serializers.Serializer):
    area = serializers.IntegerField(source="area.pk")
    area_name = TextField(source="area.name")
    total = serializers.IntegerField()
    acknowledged = serializers.SerializerMethodField()
    pending = serializers.SerializerMethodField()

    def get_acknowledged(self, unit) -> int:
        return len(unit.acknowledged)

    def get_pending(self, unit) -> int:
        return len(unit.pending)


class AcknowledgmentSerializer(serializers.Serializer):
    units = UnitCountSerializer(many=True)
    acknowledged = NoticeReceiptSerializer(many=True)
    pending = NoticeReceiptSerializer(many=True)


class IntervalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class DoubleBookingSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    first = serializers.IntegerField(source="first.pk")
    second = serializers.IntegerField(source="second.pk")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class DayCoverageSerializer(serializers.Serializer):
    day = serializers.DateField()
    gap_minutes = serializers.IntegerField()
    gaps = serializers.SerializerMethodField()
    double_bookings = DoubleBookingSerializer(many=True)
    shifts = serializers.SerializerMethodField()

    def get_gaps(self, day) -> list[dict]:
        return IntervalSerializer([{"start": s, "end": e} for s, e in day.gaps], many=True).data

    def get_shifts(self, day) -> list[int]:
        return [s.pk for s in day.shifts]


class CoverageQuerySerializer(serializers.Serializer):
    area = IdField(label=_("值班单位"))
    day = QueryDateField(label=_("日期"))
    days = serializers.IntegerField(label=_("天数"), min_value=1, max_value=31, default=1)
