"""Every write to markets, necessities and daily price reports goes through these functions."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.services import (
    audited_create,
    clean_named_in_area,
    create_cleaned,
    lock_rows,
    lock_versioned,
    refuse_duplicate,
    require_area,
    require_perm,
    update_cleaned,
)

from .choices import CommodityCategory, MarketKind
from .models import Commodity, Market, PriceLine, PriceReport

MARKET_FIELDS = ("area", "name", "kind", "address", "active")
COMMODITY_FIELDS = (
    "name",
    "category",
    "price_unit",
    "stock_unit",
    "sort_order",
    "alert_percent",
    "baseline_days",
    "active",
)


def _clean_market(data: dict, exclude_pk=None) -> dict:
    return clean_named_in_area(
        data,
        MARKET_FIELDS,
        Market,
        kinds=MarketKind,
        duplicate=_("该区域已有同名市场"),
        exclude_pk=exclude_pk,
    )


def create_market(*, actor, data: dict) -> Market:
    return create_cleaned(actor, Market, data, perm="prices.add_market", clean=_clean_market)


def update_market(*, actor, market: Market, data: dict, expected_version: int | None) -> Market:
    return update_cleaned(
        actor,
        market,
        data,
        perm="prices.change_market",
        clean=_clean_market,
        field_names=MARKET_FIELDS,
        expected_version=expected_version,
    )


def _clean_commodity(data: dict, exclude_pk=None) -> dict:
    data = {k: data[k] for k in COMMODITY_FIELDS if k in data}
    data["name"] = (data.get("name") or "").strip()
    if not data["name"]:
        raise ValidationError({"name": _("请填写品名")})
    if data.get("category") not in CommodityCategory.values:
        raise ValidationError({"category": _("请选择类别")})
    percent = data.get("alert_percent")
    if percent is not None and not Decimal(0) < Decimal(percent) <= Decimal(1000):
        raise ValidationError({"alert_percent": _("预警阈值须在 0 到 1000 之间")})
    refuse_duplicate(
        Commodity.objects.filter(name=data["name"]),
        exclude_pk=exclude_pk,
        field="name",
        message=_("品名已存在"),
    )
    return data


def create_commodity(*, actor, data: dict) -> Commodity:
    return create_cleaned(
        actor, Commodity, data, perm="prices.add_commodity", clean=_clean_commodity
    )


def update_commodity(
    *, actor, commodity: Commodity, data: dict, expected_version: int | None
) -> Commodity:
    return update_cleaned(
        actor,
        commodity,
        data,
        perm="prices.change_commodity",
        clean=_clean_commodity,
        field_names=COMMODITY_FIELDS,
        expected_version=expected_version,
    )


def _decimal(value, field: str, label: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("请填写%(name)s的价格") % {"name": label}})
        return None
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("%(name)s：请填写数字") % {"name": label}}) from None
    if not d.is_finite() or d < 0 or d >= Decimal("1e8"):
        raise ValidationError({field: _("%(name)s：数值不合理") % {"name": label}})
    return d.quantize(Decimal("0.01"))


def submit_price_report(
    *,
    actor,
    market: Market,
    date: datetime.date | None = None,
    prices: dict[int, tuple],
    note: str = "",
    expected_version: int | None = None,
    today: datetime.date | None = None,
) -> PriceReport:
    """价格日报: ``prices`` maps a commodity id to ``(price, stock)``; a blank price means the
    market does not sell it that day. One report per market per day; it may be corrected
    on its own day only, naming the version it was based on (optimistic locking)."""
    require_perm(actor, "prices.add_pricereport")
    require_area(actor, market.area)
    today = today or timezone.localdate()
    date = date or today
    if date != today:
        raise ValidationError({"date": _("只能填报或修改当天的价格日报")})
    commodities = {c.pk: c for c in Commodity.objects.filter(pk__in=list(prices), active=True)}
    values = {}
    for pk, (price, stock) in prices.items():
        c = commodities.get(int(pk))
        if c is None:
            raise ValidationError(_("品名不存在或已停用"))
        p = _decimal(price, f"price_{pk}", c.name, required=False)
        if p is None:
            if stock not in (None, ""):
                raise ValidationError({f"price_{pk}": _("请填写%(name)s的价格") % {"name": c.name}})
            continue
        if p == 0:
            raise ValidationError({f"price_{pk}": _("%(name)s：价格须大于 0") % {"name": c.name}})
        values[c.pk] = (p, _decimal(stock, f"stock_{pk}", c.name, required=False))
    if not values:
        raise ValidationError(_("请至少填写一项价格"))
    with transaction.atomic():
        lock_rows(Market, [market.pk])  # two reporters at once: one report, the later wins
        report = PriceReport.objects.filter(market=market, date=date).first()
        if report is None:
            report = audited_create(
                actor, PriceReport, market=market, date=date, reported_by=actor, note=note
            )
        else:
            before = lock_versioned(report, expected_version)
            report.reported_by, report.note = actor, note
            report.version = before.version + 1
            report.save()
            audit.record_update(actor, before, report)
            PriceLine.objects.filter(report=report).delete()
        PriceLine.objects.bulk_create(
            PriceLine(report=report, commodity_id=pk, market=market, date=date, price=p, stock=s)
            for pk, (p, s) in values.items()
        )
        audit.record(
            actor,
            audit.event_for(
                report,
                audit.AuditAction.UPDATE,
                changes={
                    "lines": {
                        str(pk): [str(p), None if s is None else str(s)]
                        for pk, (p, s) in sorted(values.items())
                    }
                },
            ),
        )
    return report
