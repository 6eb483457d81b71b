"""Read paths for statuses and overrides, starting from the user's scope."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from .choices import Colour, OverrideState
from .models import ColourCount, PersonStatus, StatusOverride
from .services import ROLE_RANK, may_approve_rank


def status_list(user) -> QuerySet[PersonStatus]:
    return PersonStatus.objects.visible_to(user).select_related("resident", "area")


def residents_with_colour(user, colour: str, *, area=None) -> QuerySet[PersonStatus]:
    """Everyone of one colour the user may see, optionally within ``area`` (indexed)."""
    qs = PersonStatus.objects.visible_to(user).filter(colour=colour)
    if area is not None:
        qs = qs.in_area(area)
    return qs.select_related("resident", "area")


def colour_counts(user, *, area=None) -> dict[str, int]:
    """Statuses per colour in the user's scope: the counts kept per grid (``ColourCount``)
    added up — a city's thousand grids, not its million statuses (200 ms)."""
    qs = ColourCount.objects.visible_to(user)
    if area is not None:
        qs = qs.in_area(area)
    counts = dict(qs.values_list("colour").annotate(total=Sum("n")).order_by())
    return {c.value: counts.get(c.value, 0) for c in Colour}


def override_list(user) -> QuerySet[StatusOverride]:
    return StatusOverride.objects.visible_to(user).select_related(
        "resident", "requested_by", "approved_by"
    )


def overrides_awaiting(user) -> QuerySet[StatusOverride]:
    """Pending requests this user may decide: someone else's, in scope, from a rank the user
    may approve (``services.may_approve_rank``)."""
    if not user.has_perm("status.approve_statusoverride"):
        return StatusOverride.objects.none()
    roles = [role for role, r in ROLE_RANK.items() if may_approve_rank(user, r)]
    if not roles:
        return StatusOverride.objects.none()
    return (
        override_list(user)
        .filter(state=OverrideState.PENDING, requested_by__role__in=roles)
        .exclude(requested_by=user)
    )
