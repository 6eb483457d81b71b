"""Read queries of supervision: list joins, the daily summary and the figures a dashboard
reads (groups and the areas they cover, problems by state and by sub-area).

Every function takes a queryset that already went through ``visible_to(user)`` (or
``in_area``), so the figures are scoped like the lists they summarise.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.rollup import roll_up
from fangkong.status.clock import end_of_day, start_of_day

from .choices import ProblemAction, ProblemState
from .models import ProblemEvent
from .rules import is_village

SUMMARY_KEYS = ("opened", "closed", "open", "overdue", "escalated")
PROBLEM_KEYS = ("open", "overdue", "escalated", "closed", "total")


def group_list(qs: QuerySet) -> QuerySet:
    return (
        qs.select_related("area", "leader")
        .annotate(
            member_count=Count("members", distinct=True),
            area_count=Count("assigned_areas", distinct=True),
        )
        .order_by("name", "pk")
    )


def task_list(qs: QuerySet) -> QuerySet:
    return qs.select_related("group", "area", "checklist")


def visit_list(qs: QuerySet) -> QuerySet:
    return (
        qs.select_related("group", "area", "inspector", "task")
        .annotate(problem_count=Count("problems", distinct=True))
        .order_by("-visited_on", "-pk")
    )


def problem_list(qs: QuerySet) -> QuerySet:
    return qs.select_related("area", "area__parent", "group", "escalated_to", "found_by")


def summary_list(qs: QuerySet) -> QuerySet:
    return qs.select_related("area", "generated_by")


# --- coverage of the inspection groups ---------------------------------------------------


def covered_areas(groups: QuerySet) -> QuerySet:
    """Every area inside a subtree assigned to one of ``groups`` (each area once)."""
    paths = set(
        Area.objects.filter(inspection_groups__in=groups.values("pk")).values_list(
            "path", flat=True
        )
    )
    if not paths:
        return Area.objects.none()
    q = Q()
    for p in paths:
        q |= Q(path__startswith=p)
    return Area.objects.filter(q)


def group_coverage(groups: QuerySet) -> dict[str, int]:
    """Groups and the streets/towns, villages and communities their subtrees cover."""
    covered = covered_areas(groups)
    streets = covered.filter(level=AreaLevel.STREET).count()
    names = covered.filter(level=AreaLevel.COMMUNITY).values_list("name", flat=True)
    villages = communities = 0
    for name in names:
        if is_village(name):
            villages += 1
        else:
            communities += 1
    return {
        "groups": groups.count(),
        "streets": streets,
        "villages": villages,
        "communities": communities,
    }


# --- problems ----------------------------------------------------------------------------


def _problem_aggregates(today: datetime.date) -> dict:
    not_closed = ~Q(state=ProblemState.CLOSED)
    return {
        "open": Count("pk", filter=not_closed),
        "overdue": Count("pk", filter=not_closed & Q(deadline__lt=today)),
        "escalated": Count("pk", filter=not_closed & Q(escalated_to__isnull=False)),
        "closed": Count("pk", filter=Q(state=ProblemState.CLOSED)),
        "total": Count("pk"),
    }


def problem_counts(qs: QuerySet, *, today: datetime.date) -> dict[str, int]:
    """Open, overdue, escalated, closed and total problems of ``qs`` now."""
    return qs.aggregate(**_problem_aggregates(today))


def problem_counts_by_area(qs: QuerySet, parent: Area, *, today: datetime.date) -> list[dict]:
    """``problem_counts`` per child area of ``parent`` (problems of grids count upwards)."""
    grouped = qs.order_by().values("area__path").annotate(**_problem_aggregates(today))
    return roll_up(parent, grouped, path_key="area__path", keys=PROBLEM_KEYS)


def _closed_by(end: datetime.datetime) -> Q:
    """The problem was 已销号 at ``end``: closed before it (``closed_at``), or, for a closing
    that a reopening later cleared from ``closed_at``, its last step before ``end`` closed it.
    A problem closed on Monday and reopened on Wednesday stays closed on Tuesday's figures."""
    last_state = (
        ProblemEvent.objects.filter(problem=OuterRef("pk"), created_at__lt=end)
        .order_by("-created_at", "-id")
        .values("to_state")[:1]
    )
    return Q(closed_at__lt=end) | Q(
        Exact(Coalesce(Subquery(last_state), Value("")), ProblemState.CLOSED)
    )


def problems_open_on(day: datetime.date) -> Q:
    """Problems found by ``day`` and not closed (销号) at its end (the dashboard's 未销号问题
    and the problem list's 未销号日期 filter)."""
    return Q(found_on__lte=day) & ~_closed_by(end_of_day(day))


def problems_overdue_on(day: datetime.date) -> Q:
    """Open at the end of ``day`` and past their deadline (逾期未整改)."""
    return problems_open_on(day) & Q(deadline__lt=day)


def overdue(qs: QuerySet, *, today: datetime.date) -> QuerySet:
    return qs.exclude(state=ProblemState.CLOSED).filter(deadline__lt=today)


def daily_summary(
    qs: QuerySet, *, date: datetime.date, area: Area | None = None
) -> tuple[list[dict], dict[str, int]]:
    """Per responsible unit, as of the end of ``date``: opened and closed that day, still
    open, overdue (deadline before ``date``) and escalated. Rows without any figure are left
    out; ``totals`` sums the rows."""
    begin = start_of_day(date)
    end = start_of_day(date + datetime.timedelta(days=1))
    open_at_end = Q(found_on__lte=date) & ~_closed_by(end)
    # Closed that day: as ``closed_at`` says, or by a closing a reopening has since cleared.
    closed_that_day = Q(closed_at__gte=begin, closed_at__lt=end) | Q(
        Exists(
            ProblemEvent.objects.filter(
                problem=OuterRef("pk"),
                action=ProblemAction.CLOSE,
                created_at__gte=begin,
                created_at__lt=end,
            )
        )
    )
    # Escalated by then: ``escalated_on`` is the latest escalation only (a later one moves it
    # past ``date``), so an escalation step recorded before the day's end counts as well.
    escalated_by_end = Q(escalated_on__lte=date) | Q(
        Exists(
            ProblemEvent.objects.filter(
                problem=OuterRef("pk"), action=ProblemAction.ESCALATE, created_at__lt=end
            )
        )
    )
    grouped = (
        qs.order_by()
        .values("area_id", "area__code", "area__name", "area__path", "area__parent__name")
        .annotate(
            opened=Count("pk", filter=Q(found_on=date)),
            closed=Count("pk", filter=closed_that_day),
            open=Count("pk", filter=open_at_end),
            overdue=Count("pk", filter=open_at_end & Q(deadline__lt=date)),
            escalated=Count("pk", filter=open_at_end & escalated_by_end),
        )
        .order_by("area__path")
    )
    rows = [
        {
            "code": r["area__code"],
            "unit": r["area__name"],
            "parent": r["area__parent__name"] or "",
            **{k: r[k] for k in SUMMARY_KEYS},
        }
        for r in grouped
        if any(r[k] for k in SUMMARY_KEYS)
    ]
    totals = {k: sum(r[k] for r in rows) for k in SUMMARY_KEYS}
    return rows, totals


def checklist_list(qs: QuerySet) -> QuerySet:
    return qs.select_related("area").annotate(item_count=Count("items")).order_by("name", "pk")
