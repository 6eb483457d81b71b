"""The scan list pages without counting the table (10M rows): no COUNT(*), “next page” only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.core.views.generic import NextPagePaginator, newest_per_group
from fangkong.venues import selectors, services
from fangkong.venues.choices import Direction, ScanColour, ScanSource, VenueKind
from fangkong.venues.models import Scan, Venue
from fangkong.venues.views import ScanListView


def _scans(venue, n: int, *, every: int = 1, offset: int = 0) -> list[Scan]:
    """``n`` scans at ``venue``, one each ``every`` seconds from ``offset`` past an hour ago;
    every third one an exit."""
    start = timezone.now() - datetime.timedelta(hours=1)
    return Scan.objects.bulk_create(
        Scan(
            scanned_at=start + datetime.timedelta(seconds=offset + i * every),
            venue=venue,
            direction=Direction.OUT if i % 3 == 0 else Direction.IN,
            colour=ScanColour.GREEN,
            admitted=True,
            source=ScanSource.DEVICE,
            recorded_at=start,
        )
        for i in range(n)
    )


def _venue(areas, users, area: str, name: str) -> Venue:
    return services.create_venue(
        actor=users["command"],
        data={"area": areas[area], "name": name, "kind": VenueKind.SUPERMARKET},
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


@pytest.fixture
def busy(areas, users, market):
    """Four venues of one community (one with few scans, times shared across venues) and
    one of another community."""
    _scans(market, 40, every=2)
    _scans(_venue(areas, users, "grid_a", "甲超市"), 30, every=3)  # ties with the market's
    _scans(_venue(areas, users, "grid_b", "乙超市"), 4, every=20, offset=1)
    _venue(areas, users, "grid_b", "丙超市")  # none yet
    _scans(_venue(areas, users, "grid_c", "米易超市"), 25, every=1)  # another community's


@pytest.mark.parametrize("direction", [None, Direction.IN])
def test_newest_per_group_keeps_every_row_a_window_can_hold(users, busy, direction):
    """The bound by the venues' own ``stop``-th newest keeps the list's first ``stop`` rows
    whatever ``stop``: ties across venues, a venue with fewer rows, a filter."""
    qs = selectors.scan_list(Scan.objects.visible_to(users["community"]))
    if direction:
        qs = qs.filter(direction=direction)
    venues = Venue.objects.visible_to(users["community"])
    expected = list(qs.values_list("pk", flat=True))
    assert len(expected) == (48 if direction else 74)  # not the other community's
    for stop in (1, 2, 5, 11, 30, 45, 60, 74, 75, 200):
        narrowed = newest_per_group(qs, time="scanned_at", group="venue", groups=venues, stop=stop)
        assert list(narrowed.values_list("pk", flat=True)[:stop]) == expected[:stop], stop
    small = newest_per_group(qs, time="scanned_at", group="venue", groups=venues, stop=5)
    assert small.count() < len(expected)  # it does narrow


def test_a_communitys_scan_pages_are_bounded_by_its_venues(client, users, busy, monkeypatch):
    """SQLite, a community (its scope is not walked): each page read within its venues' own
    newest scans; the pages are the list's pages. PostgreSQL and a district read the list."""
    monkeypatch.setattr(ScanListView, "paginate_by", 7)
    url = reverse("venues:scan_list")
    expected = list(
        selectors.scan_list(Scan.objects.visible_to(users["community"])).values_list(
            "pk", flat=True
        )
    )
    for who, bounded in (("community", connection.vendor == "sqlite"), ("street", False)):
        client.force_login(users[who])
        seen = []
        for number in range(1, 13):
            with CaptureQueriesContext(connection) as ctx:
                page = client.get(url, {"page": number}).context["page"]
            assert any("_nth" in q["sql"] for q in ctx.captured_queries) == bounded, who
            seen += [s.pk for s in page.object_list]
            if not page.has_next():
                break
        assert seen == expected, who  # the street holds the same venues and scans here
