"""Read queries of the duty module, with their joins spelled out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from .models import Handover, HandoverItem, Notice, NoticeReceipt, Shift, WorkingGroup


def group_list(qs: QuerySet[WorkingGroup]) -> QuerySet[WorkingGroup]:
    return (
        qs.select_related("area", "leader")
        .annotate(member_count=Count("members"))
        .order_by("area__path", "name")
    )


def shift_list(qs: QuerySet[Shift]) -> QuerySet[Shift]:
    return qs.select_related("area", "person", "group", "covered_for")


def shift_roster(qs: QuerySet[Shift]) -> QuerySet[Shift]:
    """The roster as a duty officer reads it: shifts not yet over first, the soonest on top
    (whoever is on duty now leads), then past ones, the latest first. Ordered by start, the
    list opened on weeks of history."""
    now = timezone.now()
    over = Q(end__lte=now)
    return shift_list(qs).order_by(
        Case(When(over, then=Value(1)), default=Value(0), output_field=IntegerField()),
        Case(When(~over, then=F("start"))).asc(nulls_last=True),
        F("start").desc(),
        "id",
    )


def handover_list(qs: QuerySet[Handover]) -> QuerySet[Handover]:
    return qs.select_related("area", "outgoing", "incoming", "shift")


def handovers_for(user) -> QuerySet[Handover]:
    """Handovers of the user's subtree and those the user gave or took."""
    mine = Handover.objects.filter(Q(outgoing=user) | Q(incoming=user)).values("pk")
    scoped = Handover.objects.visible_to(user).values("pk")
    return Handover.objects.filter(Q(pk__in=scoped) | Q(pk__in=mine))


def handover_candidates(user, areas) -> QuerySet:
    """Who may take over at ``areas`` from ``user``: staff the user sees, staff of the units'
    subtrees and people holding a shift there; not the user, who hands over."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    in_units = Q()
    for area in areas:
        in_units |= Q(area__path__startswith=area.path)
    on_shift = Shift.objects.filter(area__in=[a.pk for a in areas]).values("person_id")
    visible = User.objects.visible_to(user).values("pk")
    return (
        User.objects.filter(Q(pk__in=visible) | Q(pk__in=on_shift) | in_units, is_active=True)
        .exclude(pk=user.pk)
        .order_by("username")
    )


def open_items(qs: QuerySet[HandoverItem], area) -> QuerySet[HandoverItem]:
    return qs.filter(area=area, closed_at__isnull=True).select_related("handover__outgoing")


def notice_list(qs: QuerySet[Notice]) -> QuerySet[Notice]:
    return (
        qs.select_related("sender_area", "sent_by")
        .annotate(
            acknowledged_count=Count("receipts", filter=Q(receipts__acknowledged_at__isnull=False))
        )
        .order_by("-sent_at", "-id")
    )


def notices_for(user) -> QuerySet[Notice]:
    """Notices of the user's area subtree, and those addressed to the user."""
    sent = Notice.objects.visible_to(user).values("pk")
    received = NoticeReceipt.objects.filter(user=user).values("notice_id")
    return Notice.objects.filter(Q(pk__in=sent) | Q(pk__in=received))


def inbox(user) -> QuerySet[NoticeReceipt]:
    """The user's receipts: unacknowledged first, then newest first."""
    return (
        NoticeReceipt.objects.filter(user=user)
        .select_related("notice", "notice__sender_area")
        .order_by(F("acknowledged_at").asc(nulls_first=True), "-notice__sent_at", "-pk")
    )


def unacknowledged_count(user) -> int:
    return NoticeReceipt.objects.filter(user=user, acknowledged_at__isnull=True).count()


@dataclass
class UnitAcknowledgment:
    """Recipients of one unit: who signed and who has not."""

    area: Any
    acknowledged: list[NoticeReceipt] = field(default_factory=list)
    pending: list[NoticeReceipt] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.acknowledged) + len(self.pending)


@dataclass
class AcknowledgmentReport:
    units: list[UnitAcknowledgment]

    @property
    def acknowledged(self) -> list[NoticeReceipt]:
        return [r for u in self.units for r in u.acknowledged]

    @property
    def pending(self) -> list[NoticeReceipt]:
        return [r for u in self.units for r in u.pending]

    @property
    def total(self) -> int:
        return sum(u.total for u in self.units)


def acknowledgment_report(notice: Notice) -> AcknowledgmentReport:
    """Per recipient unit (as stored at send time), in area order: signed and not signed."""
    receipts = (
        NoticeReceipt.objects.filter(notice=notice)
        .select_related("user", "area")
        .order_by("area__path", "user__username", "pk")
    )
    units: dict[int, UnitAcknowledgment] = {}
    for r in receipts:
        unit = units.setdefault(r.area_id, UnitAcknowledgment(r.area))
        (unit.acknowledged if r.acknowledged_at else unit.pending).append(r)
    return AcknowledgmentReport(list(units.values()))
