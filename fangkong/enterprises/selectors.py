"""Read paths for enterprises: list queries with their joins, derived employee states, counts."""

from __future__ import annotations

import datetime

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from fangkong.core.search import classify_query
from fangkong.health.choices import AssignmentState
from fangkong.health.models import Assignment
from fangkong.registry.choices import ResidentCategory
from fangkong.registry.models import Resident
from fangkong.status.choices import Colour
from fangkong.status.models import PersonStatus

from .choices import ProblemState, ResumptionState, ReturnState
from .models import (
    DailyReport,
    Difficulty,
    Employee,
    Enterprise,
    Inspection,
    InspectionProblem,
    LiaisonAssignment,
    ReportReminder,
    ResumptionApplication,
)


def search_by_name(qs: QuerySet, q: str) -> QuerySet:
    """Names in either script or by pinyin initials (企业 and 职工 both carry the keys)."""
    kind, value = classify_query(q)
    if not value:
        return qs
    if kind == "pinyin":
        return qs.filter(Q(name_initials__startswith=value) | Q(name_norm__contains=value))
    return qs.filter(name_norm__contains=value)


def enterprise_list(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    return qs.select_related("area", "park")


def park_list(qs):
    # Aggregates drop the model's default ordering: pages need it spelled out.
    return (
        qs.select_related("area")
        .annotate(enterprise_count=Count("enterprises"))
        .order_by("name", "id")
    )


def resumption_counts(qs: QuerySet[Enterprise]) -> dict[str, int]:
    """Enterprises per resumption state (“已复工 N 家”), every state present."""
    found = dict(
        qs.order_by()
        .values_list("resumption_state")
        .annotate(n=Count("id"))
        .values_list("resumption_state", "n")
    )
    return {state: found.get(state, 0) for state in ResumptionState.values}


# --- employees: 早返回、早隔离、早复工 ----------------------------------------------------------


def with_return_state(qs: QuerySet[Employee]) -> QuerySet[Employee]:
    """Annotate each employee with ``return_state`` and ``status_colour``, derived in SQL.

    The employee is the registry's resident with the same ID-number blind index. Not
    registered (or registered as gone out, 外出) → not returned; an open health assignment →
    returned and isolating; otherwise a green status → at work, anything else (yellow, red,
    not yet computed) → returned, waiting for a green status.
    """
    resident = Resident.objects.filter(id_number_index=OuterRef("id_number_index"))
    isolating = Assignment.objects.filter(
        resident__id_number_index=OuterRef("id_number_index"), state=AssignmentState.ACTIVE
    )
    colour = PersonStatus.objects.filter(
        resident__id_number_index=OuterRef("id_number_index")
    ).values("colour")[:1]
    present = resident.exclude(category=ResidentCategory.OUTFLOW)
    return qs.annotate(
        resident_pk=Subquery(resident.values("pk")[:1]),
        status_colour=Subquery(colour),
        is_present=Exists(present),
        is_isolating=Exists(isolating),
    ).annotate(
        return_state=Case(
            When(is_present=False, then=Value(ReturnState.NOT_RETURNED.value)),
            When(is_isolating=True, then=Value(ReturnState.ISOLATING.value)),
            When(status_colour=Colour.GREEN, then=Value(ReturnState.AT_WORK.value)),
            default=Value(ReturnState.PENDING.value),
            output_field=CharField(),
        )
    )


def employee_list(qs: QuerySet[Employee]) -> QuerySet[Employee]:
    return with_return_state(qs.select_related("enterprise"))


def return_state_counts(qs: QuerySet[Employee]) -> dict[str, int]:
    """Employees per return state, every state present."""
    found = dict(
        with_return_state(qs.order_by())
        .values_list("return_state")
        .annotate(n=Count("id"))
        .values_list("return_state", "n")
    )
    return {state: found.get(state, 0) for state in ReturnState.values}


# --- daily reports ----------------------------------------------------------------------


def missing_reports(enterprises: QuerySet[Enterprise], day: datetime.date) -> QuerySet[Enterprise]:
    """Resumed enterprises (approved on or before ``day``) without a daily report for ``day``."""
    reported = DailyReport.objects.filter(enterprise=OuterRef("pk"), date=day)
    reminded = ReportReminder.objects.filter(enterprise=OuterRef("pk"), date=day)
    return (
        enterprises.filter(resumption_state=ResumptionState.RESUMED, resumed_on__lte=day)
        .exclude(Exists(reported))
        .annotate(reminded=Exists(reminded))
        .select_related("area__parent")  # the export names a grid with its community
    )


def report_list(qs):
    return qs.select_related("enterprise", "reported_by")


def reminder_list(qs):
    return qs.select_related("enterprise", "reminded_by")


# --- the rest ---------------------------------------------------------------------------


def application_list(qs: QuerySet[ResumptionApplication]) -> QuerySet[ResumptionApplication]:
    return qs.select_related("enterprise", "submitted_by", "reviewed_by")


def assignment_list(qs: QuerySet[LiaisonAssignment]) -> QuerySet[LiaisonAssignment]:
    return qs.select_related("enterprise", "liaison")


def inspection_list(qs: QuerySet[Inspection]) -> QuerySet[Inspection]:
    return (
        qs.select_related("enterprise", "inspector")
        .annotate(
            problem_count=Count("problems"),
            open_problems=Count("problems", filter=Q(problems__state="open")),
        )
        .order_by("-inspected_on", "-id")
    )


def problems_overdue(today: datetime.date) -> Q:
    """Not rectified and past the deadline (逾期未整改) on ``today``."""
    return Q(state=ProblemState.OPEN, deadline__lt=today)


def problem_list(qs: QuerySet[InspectionProblem]) -> QuerySet[InspectionProblem]:
    return qs.select_related("enterprise", "found_by", "inspection")


def difficulty_list(qs: QuerySet[Difficulty]) -> QuerySet[Difficulty]:
    return qs.select_related("enterprise", "raised_by", "responded_by")
