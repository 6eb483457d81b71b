"""Read paths for residents: search and list queries with their joins spelled out."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fangkong.core.personal import index_value
from fangkong.core.search import classify_query

from .models import Resident


def search_residents(qs: QuerySet[Resident], q: str) -> QuerySet[Resident]:
    """One search box: names in either script, pinyin or initials, full or last-4 ID/phone."""
    kind, value = classify_query(q)
    if not value:
        return qs
    if kind == "number":
        cond = Q()
        if len(value) == 18:
            cond |= Q(id_number_index=index_value(value, kind="id_number", purpose="id"))
        if len(value) >= 7:
            cond |= Q(phone_index=index_value(value, kind="phone", purpose="phone"))
        if len(value) == 4:
            cond |= Q(
                id_number_last4=index_value(
                    value, kind="id_number", purpose="id4", transform="last4"
                )
            )
            cond |= Q(
                phone_last4=index_value(value, kind="phone", purpose="phone4", transform="last4")
            )
        return qs.filter(cond) if cond else qs.none()
    if kind == "pinyin":
        return qs.filter(Q(name_initials__startswith=value) | Q(name_pinyin__startswith=value))
    return qs.filter(name_norm__contains=value)


def resident_list(qs: QuerySet[Resident]) -> QuerySet[Resident]:
    return qs.select_related("area", "household")
