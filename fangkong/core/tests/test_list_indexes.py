"""The default order of the large lists is served by an index (EXPLAIN on both databases):
the first page of a city-wide list reads 50 index entries instead of sorting the table."""

import pytest
from django.db import connection

from fangkong.health.models import Alert, NucleicAcidTest
from fangkong.supplies.models import Movement
from fangkong.venues.models import Scan

LARGE_LISTS = [
    (NucleicAcidTest, ("-sampled_at", "-id")),
    (Alert, ("-created_at", "-id")),
    (Movement, ("-occurred_at", "-id")),
    (Scan, ("-scanned_at", "-uuid")),
]


@pytest.mark.parametrize(("model", "order"), LARGE_LISTS, ids=[m.__name__ for m, _ in LARGE_LISTS])
def test_list_order_needs_no_sort(db, model, order):
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # Tiny test tables would be sorted anyway: forbid the sort to see if an index can serve.
            cur.execute("SET LOCAL enable_sort = off")
        plan = model.objects.order_by(*order)[:50].explain()
        assert "Sort" not in plan, plan
    else:
        plan = model.objects.order_by(*order)[:50].explain()
        assert "TEMP B-TREE" not in plan, plan
