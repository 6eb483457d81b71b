"""Read paths for residents: search and list queries with their joins spelled out."""

from __future__ import annotations

from django.db.models import QuerySet

from fangkong.core.search import search_people

from .models import Resident


def search_residents(qs: QuerySet[Resident], q: str) -> QuerySet[Resident]:
    """One search box: names in either script, pinyin or initials, full or last-4 ID/phone."""
    return search_people(
        qs, q, id_purpose="id", phone_purpose="phone", id4_purpose="id4", phone4_purpose="phone4"
    )


def resident_list(qs: QuerySet[Resident]) -> QuerySet[Resident]:
    return qs.select_related("area", "household")
