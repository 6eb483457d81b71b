"""Read paths: list queries with their joins spelled out, searches, hours and figures.

Every function takes a queryset that already went through ``visible_to(user)``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from fangkong.core.search import search_people
from fangkong.status.clock import end_of_day

from .choices import AssignmentState, PoolState, TeamKind
from .models import Assignment, DispatchBatch, Need, PartyReport, Shift, Team, Volunteer

LIVE = (AssignmentState.OFFERED, AssignmentState.ACCEPTED)


def shifts_on_duty_at_end_of(day: datetime.date) -> Q:
    """Shifts checked in before the end of ``day`` and not checked out by then (the
    dashboard's 服务中志愿者 and the shift list's 服务日期 filter)."""
    end = end_of_day(day)
    return Q(started_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=end))


def certificate_hours() -> int:
    """Service hours that earn a recognition certificate (setting, default 20)."""
    return int(getattr(settings, "FANGKONG_VOLUNTEER_CERTIFICATE_HOURS", 20))


def search_volunteers(qs: QuerySet[Volunteer], q: str) -> QuerySet[Volunteer]:
    """Names in either script, pinyin or initials; a full ID number, phone or its last 4."""
    return search_people(
        qs, q, id_purpose="vol-id", phone_purpose="vol-phone", phone4_purpose="vol-phone4"
    )


def _ordered(qs: QuerySet) -> QuerySet:
    """Aggregating queries drop ``Meta.ordering``; pages need a stable order."""
    return qs if qs.query.order_by else qs.order_by(*qs.model._meta.ordering)


def with_minutes(qs: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """``total_minutes``: the sum of the volunteer's closed shifts (0 when none)."""
    return _ordered(qs.annotate(total_minutes=Coalesce(Sum("assignments__shifts__minutes"), 0)))


def volunteer_list(qs: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    return with_minutes(qs.select_related("area"))


def hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"))


def volunteer_hours(volunteer: Volunteer) -> Decimal:
    total = Shift.objects.filter(assignment__volunteer=volunteer).aggregate(t=Sum("minutes"))["t"]
    return hours(total)


def certificate_eligible(qs: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    return volunteer_list(qs).filter(total_minutes__gte=certificate_hours() * 60)


def party_report_list(qs: QuerySet[PartyReport]) -> QuerySet[PartyReport]:
    return _ordered(
        qs.select_related("volunteer", "area").annotate(
            live_tasks=Count(
                "volunteer__assignments", filter=Q(volunteer__assignments__state__in=LIVE)
            )
        )
    )


def need_list(qs: QuerySet[Need]) -> QuerySet[Need]:
    return _ordered(
        qs.select_related("area").annotate(
            offered=Count("assignments", filter=Q(assignments__state=AssignmentState.OFFERED)),
            accepted=Count("assignments", filter=Q(assignments__state=AssignmentState.ACCEPTED)),
            declined=Count("assignments", filter=Q(assignments__state=AssignmentState.DECLINED)),
        )
    )


def assignment_list(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return qs.select_related("need", "need__area", "volunteer", "volunteer__area", "batch")


def shift_list(qs: QuerySet[Shift]) -> QuerySet[Shift]:
    return qs.select_related(
        "assignment", "assignment__need", "assignment__need__area", "assignment__volunteer"
    )


def batch_list(qs: QuerySet[DispatchBatch]) -> QuerySet[DispatchBatch]:
    return _ordered(
        qs.select_related("area", "created_by").annotate(
            size=Count("assignments"),
            accepted=Count("assignments", filter=Q(assignments__state=AssignmentState.ACCEPTED)),
            communities=Count("assignments__need__area", distinct=True),
        )
    )


def team_list(qs: QuerySet[Team]) -> QuerySet[Team]:
    return _ordered(qs.select_related("area", "leader").annotate(member_count=Count("members")))


def my_assignments(user, *, now: datetime.datetime | None = None) -> QuerySet[Assignment]:
    """The signed-in volunteer's own tasks: those not over yet first, the soonest on top
    (the post they stand at now, then tomorrow's), then past ones, the latest first."""
    now = now or timezone.now()
    over = Q(need__ends_at__lte=now)
    return (
        assignment_list(Assignment.objects.visible_to(user))
        .filter(volunteer__user=user)
        .prefetch_related("shifts")
        .alias(over=ExpressionWrapper(over, output_field=BooleanField()))
        .order_by(
            "over",
            Case(When(over, then=None), default=F("need__starts_at")).asc(nulls_last=True),
            "-need__starts_at",
            "-id",
        )
    )


def figures(volunteers: QuerySet[Volunteer], teams: QuerySet[Team], batches, reports) -> dict:
    """The counts a dashboard shows, each from one query on the scoped querysets."""
    by_state = dict(volunteers.values_list("state").annotate(n=Count("pk")).order_by())
    by_kind = dict(teams.values_list("kind").annotate(n=Count("pk")).order_by())
    return {
        "volunteers": sum(by_state.values()),
        "pending": by_state.get(PoolState.PENDING, 0),
        "reserve": by_state.get(PoolState.RESERVE, 0),
        "active": by_state.get(PoolState.ACTIVE, 0),
        "suspended": by_state.get(PoolState.SUSPENDED, 0),
        "party_members": volunteers.filter(is_party_member=True).count(),
        "party_reports": reports.count(),
        "commando_teams": by_kind.get(TeamKind.COMMANDO, 0),
        "party_branches": by_kind.get(TeamKind.PARTY_BRANCH, 0),
        "service_teams": by_kind.get(TeamKind.SERVICE_TEAM, 0),
        "batches": batches.count(),
    }


def batch_figures(batch: DispatchBatch) -> dict:
    rows = Assignment.objects.filter(batch=batch)
    return {
        "dispatched": rows.count(),
        "communities": rows.values("need__area").distinct().count(),
        "accepted": rows.filter(state=AssignmentState.ACCEPTED).count(),
        "declined": rows.filter(state=AssignmentState.DECLINED).count(),
        "offered": rows.filter(state=AssignmentState.OFFERED).count(),
    }
