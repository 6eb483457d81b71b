"""The figure registry: one definition per dashboard/daily-report figure.

A figure is a filtered count over one model's records, read through ``visible_to(user)``
and ``in_area(area)``, so it is scoped like the list it links to. Conditions take a
``Moment`` (a local day and its bounds) and describe the state *as of the end of that day*
where the records keep the dates to do so; the live dashboard is the same query for today.
Figures over one model are computed together in one aggregate query; the comparison across
sub-areas is one ``GROUP BY`` on the area path, rolled up with ``core.rollup.roll_up``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.rollup import roll_up
from fangkong.prices.selectors import price_alerts
from fangkong.screening.choices import FindingKind
from fangkong.screening.models import Campaign
from fangkong.screening.selectors import active_campaigns, coverage_totals
from fangkong.status.clock import start_of_day
from fangkong.supervision.selectors import group_coverage
from fangkong.supplies.choices import Unit
from fangkong.supplies.selectors import donation_totals, low_stock_alerts, stock_by_item
from fangkong.volunteers.selectors import hours


@dataclass(frozen=True)
class Moment:
    """A local day: ``begin`` and ``end`` are the aware moments it starts and ends."""

    day: datetime.date
    begin: datetime.datetime
    end: datetime.datetime

    @classmethod
    def of(cls, day: datetime.date) -> Moment:
        return cls(day, start_of_day(day), start_of_day(day + datetime.timedelta(days=1)))


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    group: str | Promise
    model: str  # "app_label.ModelName"
    condition: Callable[[Moment], Q]
    list_url: str = ""  # URL name of the list the figure counts
    list_params: dict = field(default_factory=dict)
    count_field: str = "pk"
    # False when the records keep no history (the figure is "now" even in a past report).
    as_of: bool = True
    # A figure that is not a filtered count: computed by an app's selector from the scoped
    # queryset of ``model`` (sums of money, goods, coverage). ``condition`` is then unused.
    value: Callable[[QuerySet, Moment], int | Decimal] | None = None
    # The permission to read the figure, when ``view`` on ``model`` is not enough (a
    # volunteer views their own shifts, not the area's service figures).
    perm: str = ""

    @property
    def is_count(self) -> bool:
        return self.value is None

    @property
    def model_class(self):
        return apps.get_model(self.model)

    def area_path(self) -> str:
        scope = self.model_class.scope_field
        return "path" if scope == "pk" else f"{scope}__path"


REGISTRY: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    if figure.key in REGISTRY:
        raise ValueError(f"figure {figure.key} registered twice")
    REGISTRY[figure.key] = figure
    return figure


# --- conditions --------------------------------------------------------------------------


def _case_active(m: Moment) -> Q:
    return Q(confirmed_at__lt=m.end) & (Q(discharged_at__isnull=True) | Q(discharged_at__gte=m.end))


def _case_kind_active(kind: str) -> Callable[[Moment], Q]:
    return lambda m: _case_active(m) & Q(kind=kind)


def _contact(extra: Q) -> Callable[[Moment], Q]:
    return lambda m: Q(created_at__lt=m.end) & extra


def _assignment_active(kinds: tuple[str, ...]) -> Callable[[Moment], Q]:
    return lambda m: (
        Q(kind__in=kinds, start_date__lte=m.day)
        & (Q(released_at__isnull=True) | Q(released_at__gte=m.end))
    )


def _problem_open(m: Moment) -> Q:
    return Q(found_on__lte=m.day) & (Q(closed_at__isnull=True) | Q(closed_at__gte=m.end))


# --- the registry -------------------------------------------------------------------------

CASES = _("病例")
CONTACTS = _("密接")
HEALTH = _("隔离与监测")
STATUS = _("健康状态")
SCANS = _("场所与卡点")
ENTERPRISES = _("复工复产")
PROBLEMS = _("督导问题")
TIPS = _("线索举报")

register(
    Figure(
        "cases_confirmed_active",
        _("在治确诊病例"),
        CASES,
        "tracing.Case",
        _case_kind_active("confirmed"),
        "tracing:case_list",
        {"kind": "confirmed", "status": "active"},
    )
)
register(
    Figure(
        "cases_asymptomatic_active",
        _("在管无症状感染者"),
        CASES,
        "tracing.Case",
        _case_kind_active("asymptomatic"),
        "tracing:case_list",
        {"kind": "asymptomatic", "status": "active"},
    )
)
register(
    Figure(
        "cases_new",
        _("当日新增病例"),
        CASES,
        "tracing.Case",
        lambda m: Q(confirmed_at__gte=m.begin, confirmed_at__lt=m.end),
        "tracing:case_list",
    )
)
register(
    Figure(
        "contacts_close",
        _("密切接触者"),
        CONTACTS,
        "tracing.Contact",
        _contact(Q(degree="close")),
        "tracing:contact_list",
        {"degree": "close"},
    )
)
register(
    Figure(
        "contacts_secondary",
        _("次密切接触者"),
        CONTACTS,
        "tracing.Contact",
        _contact(Q(degree="secondary")),
        "tracing:contact_list",
        {"degree": "secondary"},
    )
)
register(
    Figure(
        "contacts_to_verify",
        _("待核实接触者"),
        CONTACTS,
        "tracing.Contact",
        _contact(Q(state="suspected")),
        "tracing:contact_list",
        {"state": "suspected"},
        as_of=False,
    )
)
register(
    Figure(
        "contacts_confirmed",
        _("已确认接触者"),
        CONTACTS,
        "tracing.Contact",
        _contact(Q(state="confirmed")),
        "tracing:contact_list",
        {"state": "confirmed"},
        as_of=False,
    )
)
register(
    Figure(
        "quarantined",
        _("隔离中人员"),
        HEALTH,
        "health.Assignment",
        _assignment_active(("home_quarantine", "central_quarantine")),
        "health:assignment_list",
        {"state": "active"},
    )
)
register(
    Figure(
        "monitored",
        _("健康监测中人员"),
        HEALTH,
        "health.Assignment",
        _assignment_active(("health_monitoring", "post_discharge")),
        "health:assignment_list",
        {"state": "active"},
    )
)
for _colour, _label in (
    ("red", _("红码人员")),
    ("yellow", _("黄码人员")),
    ("green", _("绿码人员")),
):
    register(
        Figure(
            f"status_{_colour}",
            _label,
            STATUS,
            "status.PersonStatus",
            lambda m, c=_colour: Q(colour=c),
            "status:status_list",
            {"colour": _colour},
            as_of=False,
        )
    )
register(
    Figure(
        "scans_today",
        _("当日扫码登记"),
        SCANS,
        "venues.Scan",
        lambda m: Q(scanned_at__gte=m.begin, scanned_at__lt=m.end),
        "venues:scan_list",
        count_field="uuid",
    )
)
register(
    Figure(
        "scans_refused",
        _("当日劝返/拒绝进入"),
        SCANS,
        "venues.Scan",
        lambda m: Q(scanned_at__gte=m.begin, scanned_at__lt=m.end, admitted=False),
        "venues:scan_list",
        count_field="uuid",
    )
)
register(
    Figure(
        "enterprises_resumed",
        _("已复工企业"),
        ENTERPRISES,
        "enterprises.Enterprise",
        lambda m: Q(resumption_state="resumed", resumed_on__lte=m.day),
        "enterprises:enterprise_list",
        {"resumption_state": "resumed"},
    )
)
register(
    Figure(
        "enterprises_applied",
        _("已申请复工企业"),
        ENTERPRISES,
        "enterprises.Enterprise",
        lambda m: ~Q(resumption_state="not_applied"),
        "enterprises:enterprise_list",
        as_of=False,
    )
)
register(
    Figure(
        "problems_open",
        _("未销号问题"),
        PROBLEMS,
        "supervision.Problem",
        _problem_open,
        "supervision:problem_list",
    )
)
register(
    Figure(
        "problems_overdue",
        _("逾期未整改问题"),
        PROBLEMS,
        "supervision.Problem",
        lambda m: _problem_open(m) & Q(deadline__lt=m.day),
        "supervision:problem_list",
    )
)
register(
    Figure(
        "tips_received",
        _("收到线索"),
        TIPS,
        "tips.Tip",
        lambda m: Q(created_at__lt=m.end),
        "tips:tip_list",
    )
)
register(
    Figure(
        "tips_verified",
        _("查实线索"),
        TIPS,
        "tips.Tip",
        lambda m: Q(created_at__lt=m.end, state="verified"),
        "tips:tip_list",
        {"state": "verified"},
        as_of=False,
    )
)


# --- figures read through the apps' selectors -------------------------------------------

SUPPLIES = _("捐赠与资金")
SUPERVISION = _("督导检查")


def _donations(m: Moment):
    return lambda qs: donation_totals(qs.filter(date__lte=m.day))


def _money_total(qs: QuerySet, m: Moment) -> Decimal:
    return _donations(m)(qs)["money_total"] or Decimal(0)


def _money_via_channels(qs: QuerySet, m: Moment) -> Decimal:
    """Money donated through an organising channel (e.g. a bureau that collected it)."""
    by_channel = _donations(m)(qs)["money_by_channel"]
    return sum((v for k, v in by_channel.items() if k), Decimal(0))


def _goods_in(unit: Unit) -> Callable[[QuerySet, Moment], Decimal]:
    # The selector keys goods by the ``Unit`` member (an enum hashes by name, not value).
    return lambda qs, m: _donations(m)(qs)["goods_by_unit"].get(unit, Decimal(0))


def _party_fees(qs: QuerySet, m: Moment) -> Decimal:
    """Income booked to special party-fee funds up to the day (entries of ``qs``)."""
    income = qs.filter(fund__kind="party_fee", kind="income", date__lte=m.day)
    return income.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def _coverage(key: str) -> Callable[[QuerySet, Moment], int]:
    def value(qs: QuerySet, m: Moment) -> int:
        return group_coverage(qs.filter(active=True))[key]

    return value


register(
    Figure(
        "donations_money",
        _("累计捐款(元)"),
        SUPPLIES,
        "supplies.Donation",
        lambda m: Q(),
        "supplies:donation_list",
        {"kind": "money"},
        value=_money_total,
    )
)
register(
    Figure(
        "donations_money_channels",
        _("其中经部门组织捐款(元)"),
        SUPPLIES,
        "supplies.Donation",
        lambda m: Q(),
        "supplies:donation_list",
        {"kind": "money"},
        value=_money_via_channels,
    )
)
register(
    Figure(
        "donations_goods_tonnes",
        _("捐赠物品(吨)"),
        SUPPLIES,
        "supplies.Donation",
        lambda m: Q(),
        "supplies:donation_list",
        {"kind": "goods"},
        value=_goods_in(Unit.TONNE),
    )
)
register(
    Figure(
        "donations_goods_pairs",
        _("捐赠物品(双)"),
        SUPPLIES,
        "supplies.Donation",
        lambda m: Q(),
        "supplies:donation_list",
        {"kind": "goods"},
        value=_goods_in(Unit.PAIR),
    )
)
register(
    Figure(
        "party_fees",
        _("专项党费收入(元)"),
        SUPPLIES,
        "supplies.FundEntry",
        lambda m: Q(),
        "supplies:fund_list",
        {"kind": "party_fee"},
        value=_party_fees,
    )
)
for _key, _label in (
    ("groups", _("督导组")),
    ("streets", _("覆盖街道/乡镇")),
    ("villages", _("覆盖村")),
    ("communities", _("覆盖社区")),
):
    register(
        Figure(
            f"supervision_{_key}",
            _label,
            SUPERVISION,
            "supervision.InspectionGroup",
            lambda m: Q(),
            "supervision:group_list",
            value=_coverage(_key),
            as_of=False,
        )
    )


# --- screening, volunteers and duty, stock, prices -----------------------------------------

SCREENING = _("入户摸排")
VOLUNTEERS = _("志愿服务与值班")
STOCK = _("物资库存")
PRICES = _("保供稳价")
STAFF_VOLUNTEERS = "volunteers.view_need"  # staff who run volunteer tasks, not volunteers
PRICE_ALERT_DAYS = 7  # the window of the prices app's alert list (today and the 6 days before)


def _campaigns_running(m: Moment) -> QuerySet:
    return active_campaigns(Campaign.objects.select_related("area"), m.day, m.end)


def _screening(qs: QuerySet, m: Moment) -> dict[str, int]:
    return coverage_totals(qs, _campaigns_running(m), until=m.end)


def _coverage_percent(qs: QuerySet, m: Moment) -> Decimal:
    """Visited ÷ targeted households of the running campaigns, in percent (one decimal)."""
    totals = _screening(qs, m)
    if not totals["households"]:
        return Decimal(0)
    return (Decimal(totals["visited"] * 100) / totals["households"]).quantize(Decimal("0.1"))


def _finding(extra: Q) -> Callable[[Moment], Q]:
    """Found by the day's end in a campaign still running then."""
    return lambda m: (
        Q(found_at__lt=m.end, campaign__starts_on__lte=m.day)
        & (Q(campaign__closed_at__isnull=True) | Q(campaign__closed_at__gte=m.end))
        & extra
    )


def _service_hours(since: Callable[[Moment], datetime.datetime | None]):
    """Hours of the check-outs from ``since`` to the day's end (minutes fixed at check-out)."""

    def value(qs: QuerySet, m: Moment) -> Decimal:
        closed = qs.filter(ended_at__lt=m.end)
        start = since(m)
        if start is not None:
            closed = closed.filter(ended_at__gte=start)
        return hours(closed.aggregate(t=Sum("minutes"))["t"])

    return value


def _stock_items(qs: QuerySet, m: Moment) -> int:
    """Items with stock on hand at the day's end (the ledger summed up to then)."""
    return sum(1 for q in stock_by_item(qs.filter(occurred_at__lt=m.end)).values() if q > 0)


def _stock_low(qs: QuerySet, m: Moment) -> int:
    """Places × items whose days of cover at the day's end fall below the item's alert days."""
    return len(low_stock_alerts(qs.filter(occurred_at__lt=m.end), today=m.day))


def _price_alerts(days: int) -> Callable[[QuerySet, Moment], int]:
    def value(qs: QuerySet, m: Moment) -> int:
        since = m.day - datetime.timedelta(days=days - 1)
        return len(price_alerts(qs, since=since, until=m.day))

    return value


for _key, _label, _value in (
    ("screening_households", _("摸排目标户数"), lambda qs, m: _screening(qs, m)["households"]),
    ("screening_visited", _("已入户户数"), lambda qs, m: _screening(qs, m)["visited"]),
    ("screening_coverage", _("入户覆盖率(%)"), _coverage_percent),
):
    register(
        Figure(
            _key,
            _label,
            SCREENING,
            "registry.Household",
            lambda m: Q(),
            "screening:campaign_list",
            value=_value,
        )
    )
register(
    Figure(
        "screening_found",
        _("摸排发现人员"),
        SCREENING,
        "screening.Finding",
        _finding(Q()),
        "screening:campaign_list",
    )
)
register(
    Figure(
        "screening_returnees",
        _("其中返乡人员"),
        SCREENING,
        "screening.Finding",
        _finding(Q(kind=FindingKind.RETURNEE)),
        "screening:campaign_list",
    )
)
register(
    Figure(
        "volunteers_on_duty",
        _("在岗志愿者(已签到未签退)"),
        VOLUNTEERS,
        "volunteers.Shift",
        lambda m: Q(started_at__lt=m.end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=m.end)),
        "volunteers:shift_list",
        perm=STAFF_VOLUNTEERS,
    )
)
register(
    Figure(
        "volunteer_hours_day",
        _("当日志愿服务时长(小时)"),
        VOLUNTEERS,
        "volunteers.Shift",
        lambda m: Q(),
        "volunteers:shift_list",
        perm=STAFF_VOLUNTEERS,
        value=_service_hours(lambda m: m.begin),
    )
)
register(
    Figure(
        "volunteer_hours_total",
        _("累计志愿服务时长(小时)"),
        VOLUNTEERS,
        "volunteers.Shift",
        lambda m: Q(),
        "volunteers:shift_list",
        perm=STAFF_VOLUNTEERS,
        value=_service_hours(lambda m: None),
    )
)
register(
    Figure(
        "duty_shifts_day",
        _("当日值班(人次)"),
        VOLUNTEERS,
        "duty.Shift",
        lambda m: Q(start__lt=m.end, end__gt=m.begin),
        "duty:shift_list",
    )
)
register(
    Figure(
        "stock_items",
        _("在库物资品目"),
        STOCK,
        "supplies.Movement",
        lambda m: Q(),
        "supplies:stock_list",
        value=_stock_items,
    )
)
register(
    Figure(
        "stock_low",
        _("低库存预警(库点·品目)"),
        STOCK,
        "supplies.Movement",
        lambda m: Q(),
        "supplies:stock_list",
        value=_stock_low,
    )
)
register(
    Figure(
        "price_reports_day",
        _("当日价格填报"),
        PRICES,
        "prices.PriceReport",
        lambda m: Q(date=m.day),
        "prices:line_list",
    )
)
register(
    Figure(
        "price_alerts_day",
        _("当日涨价预警"),
        PRICES,
        "prices.PriceLine",
        lambda m: Q(),
        "prices:alert_list",
        value=_price_alerts(1),
    )
)
register(
    Figure(
        "price_alerts_open",
        _("近 7 日涨价预警"),
        PRICES,
        "prices.PriceLine",
        lambda m: Q(),
        "prices:alert_list",
        value=_price_alerts(PRICE_ALERT_DAYS),
    )
)


# --- computing ----------------------------------------------------------------------------


def _by_model(figures: list[Figure]) -> dict[str, list[Figure]]:
    grouped: dict[str, list[Figure]] = {}
    for f in figures:
        grouped.setdefault(f.model, []).append(f)
    return grouped


def _aggregates(figures: list[Figure], moment: Moment) -> dict:
    return {f.key: Count(f.count_field, filter=f.condition(moment)) for f in figures}


def scoped(model, user, area) -> QuerySet:
    """The model's records under ``area`` that ``user`` may see; ``user=None`` is the server
    operator (the ``daily-report`` command), who sees every area."""
    records = model.objects.all() if user is None else model.objects.visible_to(user)
    return records.in_area(area).order_by()


def figure_values(user, area, day: datetime.date, keys: list[str] | None = None) -> dict[str, int]:
    """The value of each figure for ``area`` (its subtree, as the user sees it) on ``day``:
    one aggregate query per model."""
    figures = [REGISTRY[k] for k in (keys or REGISTRY)]
    moment = Moment.of(day)
    values: dict[str, int | Decimal] = {}
    for model, group in _by_model([f for f in figures if f.is_count]).items():
        qs = scoped(apps.get_model(model), user, area)
        values.update(qs.aggregate(**_aggregates(group, moment)))
    for f in figures:
        if not f.is_count:
            values[f.key] = f.value(scoped(f.model_class, user, area), moment)
    return {f.key: values[f.key] for f in figures}


def figure_values_by_child(
    user, area, day: datetime.date, keys: list[str] | None = None
) -> list[dict]:
    """One row per direct sub-area of ``area``: ``area`` and the value of each figure.
    One ``GROUP BY`` on the area path per model."""
    figures = [REGISTRY[k] for k in (keys or REGISTRY)]
    moment = Moment.of(day)
    rows: list[dict] = [
        {"area": child} for child in Area.objects.filter(parent=area).order_by("path")
    ]
    for model, group in _by_model([f for f in figures if f.is_count]).items():
        path = group[0].area_path()
        grouped = (
            scoped(apps.get_model(model), user, area)
            .values(path)
            .annotate(**_aggregates(group, moment))
        )
        part = roll_up(area, grouped, path_key=path, keys=[f.key for f in group])
        for row, extra in zip(rows, part, strict=True):
            row.update({k: v for k, v in extra.items() if k != "area"})
    # Selector figures are not additive (coverage counts each area once): one call per child.
    for f in figures:
        if not f.is_count:
            for row in rows:
                row[f.key] = f.value(scoped(f.model_class, user, row["area"]), moment)
    return rows


def figures_for(user) -> list[Figure]:
    """The figures ``user`` may read: those over models the user may view."""
    result = []
    for f in REGISTRY.values():
        meta = f.model_class._meta
        if user.has_perm(f.perm or f"{meta.app_label}.view_{meta.model_name}"):
            result.append(f)
    return result
