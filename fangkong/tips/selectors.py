"""Read queries of tips: list joins and the figures a dashboard reads, all from a queryset
that already went through ``visible_to(user)``."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet, Sum

from fangkong.areas.models import Area
from fangkong.core.rollup import roll_up
from fangkong.status.clock import end_of_day

from .choices import TipState

TIP_KEYS = ("new", "assigned", "verified", "unfounded", "rejected", "total")


def tips_received_by(day: datetime.date) -> Q:
    """Tips received by the end of ``day``."""
    return Q(created_at__lt=end_of_day(day))


def tip_list(qs: QuerySet) -> QuerySet:
    return (
        qs.select_related("area")
        .annotate(photo_count=Count("photos"))
        .order_by("-created_at", "-pk")
    )


def reward_list(qs: QuerySet) -> QuerySet:
    return qs.select_related("tip", "tip__area", "recorded_by")


def _tip_aggregates() -> dict:
    counts = {s.value: Count("pk", filter=Q(state=s)) for s in TipState}
    return counts | {"total": Count("pk")}


def tip_counts(qs: QuerySet) -> dict[str, int]:
    """Tips per state and in total."""
    return qs.aggregate(**_tip_aggregates())


def tip_counts_by_area(qs: QuerySet, parent: Area) -> list[dict]:
    grouped = qs.order_by().values("area__path").annotate(**_tip_aggregates())
    return roll_up(parent, grouped, path_key="area__path", keys=TIP_KEYS)


def reward_totals(qs: QuerySet) -> dict:
    """Rewards recorded and paid (count and yuan) among ``qs`` (rewards, scoped)."""
    return qs.aggregate(
        recorded=Count("pk"),
        paid=Count("pk", filter=Q(paid_on__isnull=False)),
        amount_total=Sum("amount"),
        paid_amount=Sum("amount", filter=Q(paid_on__isnull=False)),
    )
