"""The scan list pages without counting the table (10M rows): no COUNT(*), “next page” only."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.core.views.generic import NextPagePaginator
from fangkong.venues.choices import ScanColour, ScanSource
from fangkong.venues.models import Scan


def _scans(venue, n: int) -> list[Scan]:
    start = timezone.now() - datetime.timedelta(hours=1)
    return Scan.objects.bulk_create(
        Scan(
            scanned_at=start + datetime.timedelta(seconds=i),
            venue=venue,
            colour=ScanColour.GREEN,
            admitted=True,
            source=ScanSource.DEVICE,
            recorded_at=start,
        )
        for i in range(n)
    )


def test_scan_list_pages_without_count(client, users, market):
    _scans(market, 55)
    client.force_login(users["community"])
    url = reverse("venues:scan_list")
    with CaptureQueriesContext(connection) as ctx:
        first = client.get(url)
    assert first.status_code == 200
    assert not [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    page = first.context["page"]
    assert (len(page.object_list), page.number, page.has_next(), page.has_previous()) == (
        50,
        1,
        True,
        False,
    )
    assert page.paginator.count is None
    assert "共" not in first.content.decode()  # no total shown
    second = client.get(url, {"page": 2}).context["page"]
    assert (len(second.object_list), second.has_next(), second.has_previous()) == (5, False, True)
    newest_first = [s.scanned_at for s in page.object_list] + [
        s.scanned_at for s in second.object_list
    ]
    assert newest_first == sorted(newest_first, reverse=True)
    assert len(set(s.pk for s in page.object_list) | set(s.pk for s in second.object_list)) == 55


def test_next_page_paginator_reads_one_row_past_the_page(users, market):
    _scans(market, 3)
    qs = Scan.objects.order_by("-scanned_at")
    pages = [NextPagePaginator(qs, 2).get_page(n) for n in ("1", "2", "x", "-4")]
    assert [(p.number, len(p), p.has_next()) for p in pages] == [
        (1, 2, True),
        (2, 1, False),
        (1, 2, True),
        (1, 2, True),
    ]
