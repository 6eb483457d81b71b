"""Per-process caches of shared configuration that are never stale after a commit.

A writer calls ``bump(key)`` inside the transaction that changes the configuration. A reader
asks for ``stamp(keys)`` — usually folded into a query it sends anyway, through
``stamp_subquery`` — and reloads its cache when the stamp differs from the one it loaded
with. The stamp is the sum of monotonically increasing counters, so any bump changes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import BigIntegerField, F, Sum
from django.db.models.expressions import RawSQL

from .models import Generation

AREAS = "areas"
RISK = "risk"
STATUS_POLICY = "status.policy"


def bump(key: str) -> None:
    """Mark the configuration ``key`` as changed (call inside the writing transaction)."""
    if not Generation.objects.filter(key=key).update(value=F("value") + 1):
        Generation.objects.get_or_create(key=key, defaults={"value": 1})


def stamp_subquery(keys: Iterable[str]) -> RawSQL:
    """A scalar sub-select with the stamp of ``keys``, to annotate onto another query."""
    keys = list(keys)
    qn = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(keys))
    sql = (
        f"SELECT COALESCE(SUM({qn('value')}), 0) FROM {qn(Generation._meta.db_table)} "  # noqa: S608
        f"WHERE {qn('key')} IN ({marks})"
    )
    # Only quoted identifiers are interpolated; the keys are parameters.
    return RawSQL(sql, keys, output_field=BigIntegerField())  # noqa: S611


def stamp(keys: Iterable[str]) -> int:
    total = Generation.objects.filter(key__in=list(keys)).aggregate(t=Sum("value"))["t"]
    return total or 0
