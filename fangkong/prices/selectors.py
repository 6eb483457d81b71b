"""Read queries of market prices: daily trends per necessity, and alerts when a price rises
above its recent baseline (the median of the same market's prices over the previous days)."""

from __future__ import annotations

import datetime
import statistics
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import Avg, CharField, Count, Max, Min, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_date

from fangkong.core.fetching import converted_once

from .models import Commodity, Market, PriceLine


def report_list(qs: QuerySet) -> QuerySet:
    return qs.select_related("market", "market__area", "reported_by")


@dataclass(frozen=True)
class TrendPoint:
    date: datetime.date
    average: Decimal
    low: Decimal
    high: Decimal
    markets: int


def price_trend(
    lines: QuerySet, *, commodity: Commodity, since: datetime.date, until: datetime.date
) -> list[TrendPoint]:
    """Per day from ``since`` to ``until``: average, lowest and highest price over the
    markets in ``lines`` (already scoped)."""
    rows = (
        lines.filter(commodity=commodity, date__gte=since, date__lte=until)
        .values("date")
        .annotate(a=Avg("price"), lo=Min("price"), hi=Max("price"), n=Count("market_id"))
        .order_by("date")
    )
    # SQLite hands the aggregates back as binary floats (25.3400000000000): every price is
    # read back to the cent, as it was entered.
    return [
        TrendPoint(r["date"], _cents(r["a"]), _cents(r["lo"]), _cents(r["hi"]), r["n"])
        for r in rows
    ]


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class PriceAlert:
    """A price above ``baseline × (1 + threshold)``: the market, the day, and by how much."""

    market: Market
    commodity: Commodity
    date: datetime.date
    price: Decimal
    baseline: Decimal
    rise_percent: Decimal

    @property
    def area_name(self) -> str:
        return self.market.area.name


def price_alerts(
    lines: QuerySet, *, since: datetime.date | None = None, until: datetime.date | None = None
) -> list[PriceAlert]:
    """Every reported price from ``since`` to ``until`` (default: today) that is more than the
    necessity's ``alert_percent`` above the median of the same market's prices on the
    ``baseline_days`` days before it. No earlier prices → no baseline → no alert."""
    until = until or timezone.localdate()
    since = since or until
    commodities = {c.pk: c for c in Commodity.objects.all()}
    longest = max((c.baseline_days for c in commodities.values()), default=7)
    window = lines.filter(date__gte=since - datetime.timedelta(days=longest), date__lte=until)
    day = "date"
    if connections[lines.db].vendor == "sqlite":
        # SQLite's driver converts every value of a date column as it fetches it (before
        # ``converted_once``): read the days as text, each distinct one converted below.
        window, day = window.annotate(day_text=Cast("date", CharField())), "day_text"
    rows = converted_once(
        window.values_list("market_id", "commodity_id", day, "price").order_by()
    )  # sorted per series below: cheaper than sorting every row in SQL
    days: dict = {}
    series: dict[tuple[int, int], list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    for market_id, commodity_id, raw, price in rows:
        date = days.get(raw)
        if date is None:
            date = days[raw] = raw if isinstance(raw, datetime.date) else parse_date(raw)
        series[(market_id, commodity_id)].append((date, price))
    found = []
    factors = {pk: 1 + c.alert_percent / 100 for pk, c in commodities.items()}
    for (market_id, commodity_id), points in series.items():
        c, factor = commodities[commodity_id], factors[commodity_id]
        points.sort()
        dates = [d for d, _ in points]
        prices = [p for _, p in points]
        for i in range(bisect_left(dates, since), len(points)):
            date, price = points[i]
            start = date - datetime.timedelta(days=c.baseline_days)
            window = prices[bisect_left(dates, start) : bisect_left(dates, date)]
            # The median is at least the lowest price: a price within the rise of the
            # lowest (most of them) needs no median (Decimal products keep the order).
            if not window or price <= min(window) * factor:
                continue
            baseline = Decimal(statistics.median(window))
            if price > baseline * factor:
                rise = ((price - baseline) / baseline * 100).quantize(Decimal("0.1"))
                found.append((market_id, c, date, price, baseline.quantize(Decimal("0.01")), rise))
    markets = Market.objects.select_related("area").in_bulk({f[0] for f in found})
    alerts = [PriceAlert(markets[m], c, d, p, b, r) for m, c, d, p, b, r in found]
    alerts.sort(key=lambda a: (-a.rise_percent, a.date, a.market.pk, a.commodity.pk))
    return alerts


def trend_svg(points: list[TrendPoint], *, width: int = 640, height: int = 220) -> str:
    """A line chart of the daily average (and the low–high band) as inline SVG: drawn on the
    server, so it needs no script and no chart library."""
    if not points:
        return ""
    pad_l, pad_r, pad_t, pad_b = 48, 12, 12, 28
    lo = min(p.low for p in points)
    hi = max(p.high for p in points)
    span = (hi - lo) or Decimal(1)
    n = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return pad_l + (width - pad_l - pad_r) * i / n

    def y(v: Decimal) -> float:
        return pad_t + float((hi - v) / span) * (height - pad_t - pad_b)

    avg = " ".join(f"{x(i):.1f},{y(p.average):.1f}" for i, p in enumerate(points))
    band = (
        " ".join(f"{x(i):.1f},{y(p.high):.1f}" for i, p in enumerate(points))
        + " "
        + " ".join(f"{x(i):.1f},{y(p.low):.1f}" for i, p in reversed(list(enumerate(points))))
    )
    labels = [
        f'<text x="{pad_l - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">{v}</text>'
        for v in sorted({hi, lo})
    ]
    step = max(1, len(points) // 6)
    labels += [
        f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="11">'
        f"{p.date:%m-%d}</text>"
        for i, p in enumerate(points)
        if i % step == 0 or i == len(points) - 1
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="fk-chart" role="img">'
        f'<polygon points="{band}" fill="#0d6efd" fill-opacity="0.12" stroke="none"/>'
        f'<polyline points="{avg}" fill="none" stroke="#0d6efd" stroke-width="2"/>'
        + "".join(
            f'<circle cx="{x(i):.1f}" cy="{y(p.average):.1f}" r="3" fill="#0d6efd">'
            f"<title>{p.date.isoformat()} {p.average}</title></circle>"
            for i, p in enumerate(points)
        )
        + "".join(labels)
        + "</svg>"
    )


def latest_lines(report) -> dict[int, PriceLine]:
    return {line.commodity_id: line for line in report.lines.all()} if report else {}
