"""Read paths for risk levels: the level of a place at a moment, and who came from it."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db.models import Q, QuerySet

from fangkong.status.clock import local_date

from .models import RiskDesignation, RiskLevel
from .rules import name_variants, place_matches


def designations_visible_to(user) -> QuerySet[RiskDesignation]:
    """Risk levels are public information: any user allowed to view them sees them all."""
    if user is None or not user.has_perm("risk.view_riskdesignation"):
        return RiskDesignation.objects.none()
    return RiskDesignation.objects.select_related("level", "area", "set_by")


def active_at(qs: QuerySet[RiskDesignation], when: datetime.datetime) -> QuerySet:
    return qs.filter(effective_from__lte=when).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=when)
    )


def place_of(designation: RiskDesignation) -> tuple[str, str]:
    """(code, name) a designation matches origins with; an internal area uses its own."""
    if designation.area_id:
        return designation.area.code, designation.area.name
    return designation.place_code, designation.place_name


def risk_level_at(
    *, when: datetime.datetime, area=None, place_code: str = "", place_name: str = ""
) -> RiskLevel | None:
    """The highest level in force at ``when`` for an area (or any area above it), or for an
    external place given by code and/or name (a designation of 4201 covers 420106)."""
    qs = active_at(RiskDesignation.objects.select_related("level", "area"), when)
    if area is not None:
        found = [d for d in qs.filter(area__isnull=False) if area.is_within(d.area)]
    else:
        origin = f"{place_code} {place_name}".strip()
        found = []
        for d in qs:
            code, name = place_of(d)
            if place_matches(origin, place_code=code, place_name=name):
                found.append(d)
    if not found:
        return None
    return max(found, key=lambda d: d.level.rank).level


def residents_matching_designation(designation: RiskDesignation) -> QuerySet:
    """Residents whose origin names the place and who arrived since the designation began
    (earlier arrivals cannot be affected by it). A SQL superset refined by the same matcher
    the engine uses, so the two never disagree."""
    Resident = apps.get_model("registry", "Resident")
    code, name = place_of(designation)
    cond = Q()
    if code:
        cond |= Q(origin__contains=code)
    for variant in name_variants(name):
        cond |= Q(origin__contains=variant)
    if not cond:
        return Resident.objects.none()
    since = local_date(designation.effective_from) - datetime.timedelta(days=1)
    rows = Resident.objects.filter(cond, arrival_date__gte=since).values_list("pk", "origin")
    ids = [pk for pk, origin in rows if place_matches(origin, place_code=code, place_name=name)]
    return Resident.objects.filter(pk__in=ids)
