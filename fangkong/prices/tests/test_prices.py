"""Daily price reports, trends and price alerts over the 7-day median baseline."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.services import ConflictError
from fangkong.prices import selectors, services
from fangkong.prices.models import PriceLine, PriceReport

pytestmark = pytest.mark.django_db
D0 = datetime.date(2020, 2, 1)


def day(n):
    return D0 + datetime.timedelta(days=n)


def report(actor, market, n, prices, version=None):
    return services.submit_price_report(
        actor=actor,
        market=market,
        date=day(n),
        today=day(n),
        prices=prices,
        expected_version=version,
    )


def test_one_report_per_market_per_day_editable_that_day_with_locking(users, necessities, markets):
    cabbage, pork = necessities["大白菜"].pk, necessities["猪肉"].pk
    grid = users["grid_a"]
    r = report(grid, markets["super"], 0, {cabbage: ("1.50", "800"), pork: ("", "")})
    assert [(line.commodity_id, line.price, line.stock) for line in r.lines.all()] == [
        (cabbage, Decimal("1.50"), Decimal("800.00"))
    ]
    r2 = report(grid, markets["super"], 0, {cabbage: ("1.60", ""), pork: ("28", "")}, version=1)
    assert r2.pk == r.pk and r2.version == 2
    assert PriceLine.objects.filter(report=r).count() == 2
    with pytest.raises(ConflictError):
        report(grid, markets["super"], 0, {cabbage: ("9", "")}, version=1)
    with pytest.raises(ValidationError) as e:  # yesterday's report is closed
        services.submit_price_report(
            actor=grid,
            market=markets["super"],
            date=day(0),
            today=day(1),
            prices={cabbage: ("2", "")},
        )
    assert "date" in e.value.message_dict
    assert PriceReport.objects.count() == 1
    assert PriceLine.objects.get(commodity_id=cabbage).price == Decimal("1.60")


def test_bad_input_names_the_item_and_writes_nothing(users, necessities, markets):
    cabbage, pork = necessities["大白菜"].pk, necessities["猪肉"].pk
    with pytest.raises(ValidationError) as e:
        report(users["grid_a"], markets["super"], 0, {cabbage: ("1.5", ""), pork: ("abc", "")})
    assert e.value.message_dict[f"price_{pork}"] == ["猪肉：请填写数字"]
    with pytest.raises(PermissionDenied):  # grid_a user, Miyi market
        report(users["grid_a"], markets["market"], 0, {cabbage: ("1.5", "")})
    assert not PriceReport.objects.exists() and not PriceLine.objects.exists()


def test_price_alert_above_ten_percent_over_seven_day_median(users, necessities, markets):
    pork = necessities["猪肉"]
    actor = users["command"]
    history = ["26", "27", "26", "40", "26", "27", "26"]  # one spike: the median ignores it
    for n, p in enumerate(history):
        report(actor, markets["super"], n, {pork.pk: (p, "")})
        report(actor, markets["market"], n, {pork.pk: ("30", "")})
    report(actor, markets["super"], 7, {pork.pk: ("28.61", "")})  # median 26 → +10.04 %
    report(actor, markets["market"], 7, {pork.pk: ("33.00", "")})  # median 30 → +10.0 %: not above
    lines = PriceLine.objects.all()
    alerts = selectors.price_alerts(lines, since=day(7), until=day(7))
    assert [(a.market.name, a.price, a.baseline, a.rise_percent) for a in alerts] == [
        ("吉靓轩超市中环天地店", Decimal("28.61"), Decimal("26.00"), Decimal("10.0"))
    ]
    # The spike on day 3 was an alert on its day (baseline: median of 26, 27, 26).
    spike = selectors.price_alerts(lines, since=day(0), until=day(6))
    assert [(a.date, a.baseline) for a in spike] == [(day(3), Decimal("26.00"))]
    # The threshold is per necessity and configurable.
    services.update_commodity(
        actor=actor,
        commodity=pork,
        expected_version=pork.version,
        data={"name": "猪肉", "category": "meat", "alert_percent": "5"},
    )
    alerts = selectors.price_alerts(lines, since=day(7), until=day(7))
    assert {a.market.name for a in alerts} == {"吉靓轩超市中环天地店", "攀莲农贸市场"}
    # Scoped: grid_c sees only the Miyi market.
    scoped = selectors.price_alerts(
        PriceLine.objects.visible_to(users["grid_c"]), since=day(7), until=day(7)
    )
    assert [a.market.name for a in scoped] == ["攀莲农贸市场"]


def test_trend_and_svg(users, necessities, markets):
    egg = necessities["鸡蛋"]
    for n, (a, b) in enumerate([("5", "6"), ("5.5", "6.5")]):
        report(users["command"], markets["super"], n, {egg.pk: (a, "")})
        report(users["command"], markets["market"], n, {egg.pk: (b, "")})
    points = selectors.price_trend(
        PriceLine.objects.all(), commodity=egg, since=day(0), until=day(1)
    )
    assert [(p.date, p.average, p.low, p.high, p.markets) for p in points] == [
        (day(0), Decimal("5.50"), Decimal("5.00"), Decimal("6.00"), 2),
        (day(1), Decimal("6.00"), Decimal("5.50"), Decimal("6.50"), 2),
    ]
    # Read back to the cent on both databases (SQLite's MIN gave 5.50000000000000 for 5.50).
    assert [str(p.low) for p in points] == ["5.00", "5.50"]
    svg = selectors.trend_svg(points)
    assert svg.startswith("<svg") and svg.count("<circle") == 2 and "02-01" in svg
    assert ">5.00</text>" in svg and ">6.50</text>" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reporters_at_once_leave_one_report_the_later_prices(users, necessities, markets):
    """Two people report one market's prices at the same moment: one report of the day,
    holding the prices saved last, instead of a database error for the second."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    cabbage = necessities["大白菜"].pk
    grid = users["grid_a"]
    race = second_while_first_uncommitted(
        lambda: report(grid, markets["super"], 0, {cabbage: ("1.50", "")}),
        lambda: report(grid, markets["super"], 0, {cabbage: ("1.60", "")}),
    )
    assert race.first is None and race.second is None and race.second_waited
    (only,) = PriceReport.objects.all()
    assert only.version == 2
    assert list(only.lines.values_list("price", flat=True)) == [Decimal("1.60")]
