"""The figure registry: one definition per dashboard/daily-report figure.

A figure is a filtered count over one model's records, read through ``visible_to(user)``
and ``in_area(area)``, so it is scoped like the list it links to. Conditions take a
``Moment`` (a local day and its bounds) and describe the state *as of the end of that day*
where the records keep the dates to do so; the live dashboard is the same query for today.
Figures over one model are computed together in one query grouped by the records' area,
which gives the area's figures and, added up per sub-area, the comparison across sub-areas
(``figure_table``); figures that are not plain counts come from one selector pass per family.
Scan figures sum the counts per area and day kept at ingest (``venues.ScanAreaDayCount``),
status figures the per-area counts kept at write (``status.ColourCount``), and facts about
residents are counted by the resident's area kept on them (``core.kept_area``): all kept in
the transaction that writes the records, never a cache. Every value is computed on each
request.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import add

from django.apps import apps
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.fetching import converted_once
from fangkong.core.scoping import ScopedQuerySet, area_visible_to
from fangkong.health.choices import CATEGORY_KINDS, AssignmentCategory
from fangkong.health.selectors import assignments_running_on
from fangkong.pairing.selectors import covered_by, serving
from fangkong.prices.selectors import price_alerts
from fangkong.screening.choices import FindingKind
from fangkong.screening.coverage import kept_coverage_by_area
from fangkong.screening.models import Campaign
from fangkong.screening.selectors import active_campaigns, findings_in_running_campaigns
from fangkong.status.clock import start_of_day
from fangkong.supervision.selectors import group_coverage, problems_open_on, problems_overdue_on
from fangkong.supplies.choices import Unit
from fangkong.supplies.selectors import donation_totals_by_area, stock_table
from fangkong.tips.selectors import tips_received_by
from fangkong.tracing.selectors import (
    cases_active_on,
    cases_counted,
    contacts_counted_on,
    contacts_registered_by,
)
from fangkong.volunteers.models import Shift
from fangkong.volunteers.selectors import hours, shifts_on_duty_at_end_of

ZERO = Decimal(0)


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
    # The list's filters that make its rows the figure's: a dict, or a function of the day
    # shown (as-of filters: ``{"active_on": "2020-02-10"}``). The link adds the area.
    list_params: dict | Callable[[Moment], dict] = field(default_factory=dict)
    count_field: str = "pk"  # another field: its distinct values are counted (persons)
    # False when the records keep no history (the figure is "now" even in a past report).
    as_of: bool = True
    # The permission to read the figure, when ``view`` on ``model`` is not enough (a
    # volunteer views their own shifts, not the area's service figures).
    perm: str = ""
    # A figure that is not a filtered count: picked from a family's selector pass over the
    # scoped records of ``model`` (sums of money, goods, coverage). ``condition`` is unused.
    family: Family | None = None
    pick: Callable[[dict], int | Decimal] | None = None
    # A count figure over per-day rows: the sum of ``sum_field`` over the rows whose
    # ``day_field`` is the day, instead of a count of rows.
    sum_field: str = ""
    day_field: str = ""
    # Whether the linked list shows as many rows as the figure (every count; a sum of money
    # or hours links to the records it adds up). None: a count figure does, a family not.
    list_counts: bool | None = None

    @property
    def is_count(self) -> bool:
        return self.family is None

    @property
    def counts_list_rows(self) -> bool:
        return self.is_count if self.list_counts is None else self.list_counts

    def link_params(self, moment: Moment) -> dict:
        """The list's filters for the figure as of ``moment``'s day (without the area)."""
        params = self.list_params
        return params(moment) if callable(params) else dict(params)

    def aggregate(self, moment: Moment):
        """The figure's aggregate over its model's rows (a filtered count or sum)."""
        if self.sum_field:
            return Coalesce(Sum(self.sum_field, filter=self.condition(moment)), 0)
        # A count of something other than rows (the residents of contacts) counts each once.
        distinct = self.count_field != "pk"
        return Count(self.count_field, filter=self.condition(moment), distinct=distinct)

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


# Each as-of condition is the owning app's, which its list filters by too: the figure's link
# (``list_params``) names that filter with the day, so the list shows the figure's rows.


def _case_kind_active(kind: str) -> Callable[[Moment], Q]:
    return lambda m: cases_active_on(m.day) & Q(kind=kind)


def _contact(extra: Q) -> Callable[[Moment], Q]:
    return lambda m: contacts_registered_by(m.day) & extra


def _contact_counted(extra: Q) -> Callable[[Moment], Q]:
    return lambda m: contacts_counted_on(m.day) & extra


def _assignment_active(category: str) -> Callable[[Moment], Q]:
    return lambda m: assignments_running_on(m.day) & Q(kind__in=CATEGORY_KINDS[category])


def _on(name: str, **fixed) -> Callable[[Moment], dict]:
    """List parameters: ``fixed`` and the day shown as ``name``."""
    return lambda m: {**fixed, name: m.day.isoformat()}


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
        _on("active_on", kind="confirmed"),
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
        _on("active_on", kind="asymptomatic"),
    )
)
register(
    Figure(
        "cases_new",
        _("当日新增病例"),
        CASES,
        "tracing.Case",
        lambda m: Q(confirmed_at__gte=m.begin, confirmed_at__lt=m.end) & cases_counted(),
        "tracing:case_list",
        lambda m: {"confirmed_after": m.day.isoformat(), "confirmed_before": m.day.isoformat()},
    )
)
# Close and secondary contacts are persons, as a daily report gives them (密接 N 人): one
# exposed to two cases counts once; their list shows one row per case.
register(
    Figure(
        "contacts_close",
        _("密切接触者"),
        CONTACTS,
        "tracing.Contact",
        _contact_counted(Q(degree="close")),
        "tracing:contact_list",
        _on("counted_on", degree="close"),
        count_field="resident",
        list_counts=False,
    )
)
register(
    Figure(
        "contacts_secondary",
        _("次密切接触者"),
        CONTACTS,
        "tracing.Contact",
        _contact_counted(Q(degree="secondary")),
        "tracing:contact_list",
        _on("counted_on", degree="secondary"),
        count_field="resident",
        list_counts=False,
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
        _on("registered_by", state="suspected"),
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
        _on("registered_by", state="confirmed"),
        as_of=False,
    )
)
register(
    Figure(
        "quarantined",
        _("隔离中人员"),
        HEALTH,
        "health.Assignment",
        _assignment_active(AssignmentCategory.QUARANTINE),
        "health:assignment_list",
        _on("running_on", category=AssignmentCategory.QUARANTINE.value),
    )
)
register(
    Figure(
        "monitored",
        _("健康监测中人员"),
        HEALTH,
        "health.Assignment",
        _assignment_active(AssignmentCategory.MONITORING),
        "health:assignment_list",
        _on("running_on", category=AssignmentCategory.MONITORING.value),
    )
)
for _colour, _label in (
    ("red", _("红码人员")),
    ("yellow", _("黄码人员")),
    ("green", _("绿码人员")),
):
    # Statuses per area and colour are kept at write (``status.ColourCount``, by triggers):
    # a city's figure adds up a few thousand counts instead of counting every status.
    register(
        Figure(
            f"status_{_colour}",
            _label,
            STATUS,
            "status.ColourCount",
            lambda m, c=_colour: Q(colour=c),
            "status:status_list",
            {"colour": _colour},
            as_of=False,
            perm="status.view_personstatus",  # the same readers as the statuses themselves
            sum_field="n",
        )
    )


# Scans are counted per venue and local day at ingest (``venues.ScanDayCount``, kept when
# retention purges the scans) and, by the same write, per area of the venue and day
# (``venues.ScanAreaDayCount``): a day's figure sums the rows per area (one, or a few where
# single scans wrote at once), not every scan or venue.
def _scans_of_day(**fixed) -> Callable[[Moment], dict]:
    """The scan list's local-time bounds of the day (its ``since``/``until``)."""
    next_day = datetime.timedelta(days=1)
    return lambda m: {
        "since": f"{m.day.isoformat()} 00:00",
        "until": f"{(m.day + next_day).isoformat()} 00:00",
        **fixed,
    }


for _key, _label, _field, _params in (
    ("scans_today", _("当日扫码登记"), "scans", _scans_of_day()),
    ("scans_refused", _("当日劝返/拒绝进入"), "refused", _scans_of_day(admitted="false")),
):
    register(
        Figure(
            _key,
            _label,
            SCANS,
            "venues.ScanAreaDayCount",
            lambda m: Q(day=m.day),
            "venues:scan_list",
            _params,
            perm="venues.view_scan",  # the same readers as the scans themselves
            sum_field=_field,
            day_field="day",
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
        _on("resumed_by", resumption_state="resumed"),
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
        {"applied": "true"},
        as_of=False,
    )
)
register(
    Figure(
        "problems_open",
        _("未销号问题"),
        PROBLEMS,
        "supervision.Problem",
        lambda m: problems_open_on(m.day),
        "supervision:problem_list",
        _on("open_on"),
    )
)
register(
    Figure(
        "problems_overdue",
        _("逾期未整改问题"),
        PROBLEMS,
        "supervision.Problem",
        lambda m: problems_overdue_on(m.day),
        "supervision:problem_list",
        _on("overdue_on"),
    )
)
register(
    Figure(
        "tips_received",
        _("收到线索"),
        TIPS,
        "tips.Tip",
        lambda m: tips_received_by(m.day),
        "tips:tip_list",
        _on("received_by"),
    )
)
register(
    Figure(
        "tips_verified",
        _("查实线索"),
        TIPS,
        "tips.Tip",
        lambda m: tips_received_by(m.day) & Q(state="verified"),
        "tips:tip_list",
        _on("received_by", state="verified"),
        as_of=False,
    )
)


# --- figures read through the apps' selectors -------------------------------------------
#
# A family is one selector pass shared by several figures. An additive family returns partial
# values per area id (the area of each record: money, households, alerts add up over areas),
# so one pass over an area's records gives its total and the figure of every sub-area; a
# non-additive one (the areas inspection groups cover, each counted once) is computed for
# each area asked.

Partial = dict[str, "int | Decimal | dict"]


@dataclass(frozen=True)
class Family:
    key: str
    model: str  # "app_label.ModelName": the records the family reads, scoped
    compute: Callable[[QuerySet, Moment], dict]  # additive: {area id: Partial}; else: Partial
    empty: Callable[[], Partial] = dict  # the values of an area without records
    additive: bool = True


SUPPLIES = _("捐赠与资金")
SUPERVISION = _("督导检查")


def _donations(qs: QuerySet, m: Moment) -> dict[int, Partial]:
    """Money (in total and through an organising channel) and goods per unit (mass in
    tonnes) donated up to the day, per area of the donation: ``donation_totals``' rules."""
    parts: dict[int, Partial] = {}
    given = qs.filter(date__lte=m.day)
    for area_id, totals in donation_totals_by_area(given).items():
        parts[area_id] = {
            "money": totals["money_total"] or ZERO,
            "channels": sum((v for k, v in totals["money_by_channel"].items() if k), ZERO),
            "goods": {str(unit): q for unit, q in totals["goods_by_unit"].items()},
        }
    return parts


def _party_fees(qs: QuerySet, m: Moment) -> dict[int, Partial]:
    """Income booked to special party-fee funds up to the day, per area of the fund."""
    income = qs.filter(fund__kind="party_fee", kind="income", date__lte=m.day)
    return {
        r["fund__area"]: {"fees": r["s"]}
        for r in income.values("fund__area").annotate(s=Sum("amount"))
    }


def _supervision(qs: QuerySet, m: Moment) -> Partial:
    return group_coverage(qs.filter(active=True))


DONATIONS = Family(
    "donations",
    "supplies.Donation",
    _donations,
    lambda: {"money": ZERO, "channels": ZERO, "goods": {}},
)
PARTY_FEES = Family("party_fees", "supplies.FundEntry", _party_fees, lambda: {"fees": ZERO})
GROUPS = Family(
    "supervision",
    "supervision.InspectionGroup",
    _supervision,
    lambda: dict.fromkeys(("groups", "streets", "villages", "communities"), 0),
    additive=False,
)


# The donation list's 捐款合计 is the money figure: the donations given up to the day shown.
for _key, _label, _family, _pick, _params in (
    (
        "donations_money",
        _("累计捐款(元)"),
        DONATIONS,
        lambda d: d["money"],
        _on("until", kind="money"),
    ),
    (
        "donations_money_channels",
        _("其中经部门组织捐款(元)"),
        DONATIONS,
        lambda d: d["channels"],
        _on("until", kind="money", channelled="true"),
    ),
    (
        "donations_goods_tonnes",
        _("捐赠物品(吨)"),
        DONATIONS,
        lambda d: d["goods"].get(str(Unit.TONNE), ZERO),
        _on("until", kind="goods"),
    ),
    (
        "donations_goods_pairs",
        _("捐赠物品(双)"),
        DONATIONS,
        lambda d: d["goods"].get(str(Unit.PAIR), ZERO),
        _on("until", kind="goods"),
    ),
):
    register(
        Figure(
            _key,
            _label,
            SUPPLIES,
            _family.model,
            lambda m: Q(),
            "supplies:donation_list",
            _params,
            family=_family,
            pick=_pick,
        )
    )
register(
    Figure(
        "party_fees",
        _("专项党费收入(元)"),
        SUPPLIES,
        PARTY_FEES.model,
        lambda m: Q(),
        "supplies:fund_list",
        _on("until", kind="party_fee"),
        family=PARTY_FEES,
        pick=lambda d: d["fees"],
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
            GROUPS.model,
            lambda m: Q(),
            "supervision:group_list",
            {"active": "true"},
            as_of=False,
            family=GROUPS,
            pick=lambda d, k=_key: d[k],
            list_counts=_key == "groups",  # the others count the areas the groups cover
        )
    )


# --- screening, volunteers and duty, stock, prices -----------------------------------------

SCREENING = _("入户摸排")
VOLUNTEERS = _("志愿服务与值班")
STOCK = _("物资库存")
PRICES = _("保供稳价")
STAFF_VOLUNTEERS = "volunteers.view_need"  # staff who run volunteer tasks, not volunteers
PRICE_ALERT_DAYS = 7  # the window of the prices app's alert list (today and the 6 days before)


def _screening(qs: QuerySet, m: Moment) -> dict[int, Partial]:
    """Targeted and visited households of the campaigns running at the day's end, per area,
    from the counts kept at write (``screening.coverage``): a city's 333,000 households are
    a few thousand counts."""
    running = active_campaigns(Campaign.objects.select_related("area"), m.day, m.end)
    return kept_coverage_by_area(qs, running, m.day)


def _coverage_percent(d: Partial) -> Decimal:
    """Visited ÷ targeted households of the running campaigns, in percent (one decimal)."""
    if not d["households"]:
        return Decimal(0)
    return (Decimal(d["visited"] * 100) / d["households"]).quantize(Decimal("0.1"))


def _finding(extra: Q) -> Callable[[Moment], Q]:
    """Found by the day's end in a campaign still running then."""
    return lambda m: findings_in_running_campaigns(m.day) & extra


def _service_minutes(qs: QuerySet, m: Moment) -> dict[int, Partial]:
    """Minutes of the check-outs before the day's end (fixed at check-out), in all and on
    the day, per area of the volunteer task."""
    closed = qs.filter(ended_at__lt=m.end)
    area = Shift.scope_field
    rows = closed.values(area).annotate(
        total=Sum("minutes"), day=Sum("minutes", filter=Q(ended_at__gte=m.begin))
    )
    return {r[area]: {"total": r["total"] or 0, "day": r["day"] or 0} for r in rows}


def _stock(qs: QuerySet, m: Moment) -> dict[int, Partial]:
    """The ledger up to the day's end, per area of the place: stock per item, and the
    places × items whose days of cover fall below the item's alert days."""
    parts: dict[int, Partial] = defaultdict(lambda: {"items": {}, "low": 0})
    for row in stock_table(qs.filter(occurred_at__lt=m.end), today=m.day):
        part = parts[row.warehouse.area_id]
        part["items"][row.item.pk] = part["items"].get(row.item.pk, ZERO) + row.quantity
        part["low"] += row.low
    return parts


def _prices(qs: QuerySet, m: Moment) -> dict[int, Partial]:
    """Price alerts of the alert list's window and of the day itself, per market area (an
    alert depends on its own day and the days before it only)."""
    since = m.day - datetime.timedelta(days=PRICE_ALERT_DAYS - 1)
    parts: dict[int, Partial] = defaultdict(lambda: {"week": 0, "day": 0})
    for alert in price_alerts(qs, since=since, until=m.day):
        part = parts[alert.market.area_id]
        part["week"] += 1
        part["day"] += alert.date == m.day
    return parts


HOUSEHOLDS = Family(
    "screening", "screening.HouseholdCount", _screening, lambda: {"households": 0, "visited": 0}
)
SERVICE = Family("service", "volunteers.Shift", _service_minutes, lambda: {"total": 0, "day": 0})
LEDGER = Family("stock", "supplies.Movement", _stock, lambda: {"items": {}, "low": 0})
PRICE_LINES = Family("prices", "prices.PriceLine", _prices, lambda: {"week": 0, "day": 0})

# 户次, not 户数: campaigns may run over the same households at once (a city's round for
# returnees from one place, a street's for another), each a visit to make, so a household
# counts once per running campaign that targets it.
for _key, _label, _pick in (
    ("screening_households", _("摸排目标户次"), lambda d: d["households"]),
    ("screening_visited", _("已入户户次"), lambda d: d["visited"]),
    ("screening_coverage", _("入户覆盖率(%)"), _coverage_percent),
):
    register(
        Figure(
            _key,
            _label,
            SCREENING,
            HOUSEHOLDS.model,
            lambda m: Q(),
            "screening:campaign_list",  # the campaigns over the area whose households it adds
            _on("running_on"),
            perm="registry.view_household",  # the same readers as the households themselves
            family=HOUSEHOLDS,
            pick=_pick,
        )
    )
# Persons, not findings: one found by two running campaigns is one person to follow up
# (the list shows a row per campaign that found them).
register(
    Figure(
        "screening_found",
        _("摸排发现人员"),
        SCREENING,
        "screening.Finding",
        _finding(Q()),
        "screening:finding_list",
        _on("running_on"),
        count_field="resident",
        list_counts=False,
    )
)
register(
    Figure(
        "screening_returnees",
        _("其中返乡人员"),
        SCREENING,
        "screening.Finding",
        _finding(Q(kind=FindingKind.RETURNEE)),
        "screening:finding_list",
        _on("running_on", kind=FindingKind.RETURNEE.value),
        count_field="resident",
        list_counts=False,
    )
)
# 党员包联: the households a serving party member looks after today, by the one covering
# rule of the 包联覆盖 page (``pairing.selectors.covered_by``). Pairings keep no history.
PAIRING = _("党员包联")


def _pairing(qs: QuerySet, m: Moment) -> dict[int, Partial]:
    """Households and those covered, per grid, in one pass: 未包联户 is the difference (as
    two filtered counts, the covering rule's sub-selects were probed twice per household)."""
    rows = qs.values_list("area").annotate(
        total=Count("pk"), covered=Count("pk", filter=covered_by(serving()))
    )
    return {
        area: {"covered": covered, "uncovered": total - covered} for area, total, covered in rows
    }


PAIRINGS = Family("pairing", "registry.Household", _pairing, lambda: {"covered": 0, "uncovered": 0})
for _key, _label, _part, _url, _rows in (
    # The pairings covering them: a building is many households, the list is not as long.
    ("pairing_covered", _("已包联户"), "covered", "pairing:pairing_list", False),
    ("pairing_uncovered", _("未包联户"), "uncovered", "pairing:uncovered_list", True),
):
    register(
        Figure(
            _key,
            _label,
            PAIRING,
            PAIRINGS.model,
            lambda m: Q(),
            _url,
            as_of=False,
            perm="pairing.view_pairing",
            list_counts=_rows,
            family=PAIRINGS,
            pick=lambda d, part=_part: d[part],
        )
    )
register(
    Figure(
        "volunteers_on_duty",
        _("服务中志愿者(已签到未签退)"),
        VOLUNTEERS,
        "volunteers.Shift",
        lambda m: shifts_on_duty_at_end_of(m.day),
        "volunteers:shift_list",
        _on("on_duty_on"),
        perm=STAFF_VOLUNTEERS,
    )
)
for _key, _label, _part in (
    ("volunteer_hours_day", _("当日志愿服务时长(小时)"), "day"),
    ("volunteer_hours_total", _("累计志愿服务时长(小时)"), "total"),
):
    register(
        Figure(
            _key,
            _label,
            VOLUNTEERS,
            SERVICE.model,
            lambda m: Q(),
            "volunteers:shift_list",
            perm=STAFF_VOLUNTEERS,
            family=SERVICE,
            pick=lambda d, p=_part: hours(d[p]),
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
        lambda m: {"date_from": m.day.isoformat(), "date_to": m.day.isoformat()},
    )
)
register(
    Figure(
        "stock_items",
        _("在库物资品目"),
        STOCK,
        LEDGER.model,
        lambda m: Q(),
        "supplies:stock_list",
        _on("date"),
        family=LEDGER,
        pick=lambda d: sum(1 for q in d["items"].values() if q > 0),
        list_counts=False,  # items held anywhere; the list's rows are places × items
    )
)
register(
    Figure(
        "stock_low",
        _("低库存预警(库点·品目)"),
        STOCK,
        LEDGER.model,
        lambda m: Q(),
        "supplies:stock_list",
        _on("date", low="true"),
        family=LEDGER,
        pick=lambda d: d["low"],
        list_counts=True,
    )
)
register(
    Figure(
        "price_reports_day",
        _("当日价格填报"),
        PRICES,
        "prices.PriceReport",
        lambda m: Q(date=m.day),
        "prices:market_list",  # one report per market and day: the markets that reported
        _on("reported_on"),
    )
)
for _key, _label, _part, _params in (
    ("price_alerts_day", _("当日涨价预警"), "day", _on("date", day_only="true")),
    ("price_alerts_open", _("近 7 日涨价预警"), "week", _on("date")),
):
    register(
        Figure(
            _key,
            _label,
            PRICES,
            PRICE_LINES.model,
            lambda m: Q(),
            "prices:alert_list",
            _params,
            family=PRICE_LINES,
            pick=lambda d, p=_part: d[p],
            list_counts=True,
        )
    )


# --- computing ----------------------------------------------------------------------------


def _aggregates(figures: list[Figure], moment: Moment) -> dict:
    return {f.key: f.aggregate(moment) for f in figures}


def count_scope(model) -> str:
    """The lookup to a record's area for counting: the resident's area kept on the row
    (``core.kept_area``) where the model keeps it — a city's count then reads the facts, not
    a million residents — else ``scope_field``; the same area either way."""
    return getattr(model, "count_scope_field", model.scope_field)


def scoped(model, user, area) -> QuerySet:
    """The model's records under ``area`` that ``user`` may see; ``user=None`` is the server
    operator (the ``daily-report`` command), who sees every area. An area inside the user's
    own subtree needs no second subtree filter when the model's ``visible_to`` is area
    scoping alone: one sub-select and one join fewer in every figure's query."""
    kept = getattr(model, "count_scope_field", None)
    records = model.objects.all()
    plain = type(records).visible_to is ScopedQuerySet.visible_to
    if user is not None and not (plain and area_visible_to(area, user)):
        # Some querysets refine ``visible_to`` (a volunteer's own shifts…): called as it is.
        records = records.visible_to(user) if kept is None else records.visible_to(user, kept)
    return (records.in_area(area) if kept is None else records.in_area(area, kept)).order_by()


def _merge(into: dict, part: dict) -> dict:
    """Add ``part`` into ``into``, key by key (nested dicts key by key too)."""
    for k, v in part.items():
        if isinstance(v, dict):
            _merge(into.setdefault(k, {}), v)
        else:
            into[k] = into.get(k, 0) + (v or 0)
    return into


@dataclass
class _Tally:
    """Partial values added up for ``area`` (``total``), for each of its direct sub-areas
    (``children``, by the sub-area holding each area id of the subtree) and, with the
    sub-areas, for the records of ``area`` itself (``own``: a street's own checkpoint, a
    city's own warehouse), so that the rows add up to the total."""

    subareas: list[Area]
    child_of: dict[int, int]
    empty: Callable[[], dict] = dict
    total: dict = field(init=False)
    children: list[dict] = field(init=False)
    own: dict = field(init=False)

    def __post_init__(self) -> None:
        self.total = self.empty()
        self.children = [self.empty() for _ in self.subareas]
        self.own = self.empty()

    @classmethod
    def under(cls, area: Area, with_children: bool) -> _Tally:
        if not with_children:
            return cls([], {})
        subareas = list(Area.objects.filter(parent=area).order_by("path"))
        child_of: dict[int, int] = {}
        # Sibling paths are never prefixes of each other: one sub-area holds each area.
        for pk, path in Area.objects.filter(path__startswith=area.path).values_list("pk", "path"):
            for i, child in enumerate(subareas):
                if path.startswith(child.path):
                    child_of[pk] = i
                    break
        return cls(subareas, child_of)

    def like(self, empty: Callable[[], dict]) -> _Tally:
        """A new tally over the same sub-areas, starting from ``empty()``."""
        return _Tally(self.subareas, self.child_of, empty)

    def add(self, area_id: int | None, part: dict) -> None:
        _merge(self.total, part)
        i = self.child_of.get(area_id)
        if i is not None:
            _merge(self.children[i], part)
        elif self.subareas:
            _merge(self.own, part)

    def add_counts(self, rows: Iterable[tuple], keys: list[str]) -> None:
        """Rows ``(area id, one value per key)`` of plain counts added up per sub-area
        first, then merged once: a city's grouped counts are some ten thousand rows."""
        per_child: dict[int | None, list] = {}
        for area_id, *values in rows:
            i = self.child_of.get(area_id)
            done = per_child.get(i)
            per_child[i] = values if done is None else list(map(add, done, values))
        for i, values in per_child.items():
            part = dict(zip(keys, values, strict=True))
            _merge(self.total, part)
            if i is not None:
                _merge(self.children[i], part)
            elif self.subareas:
                _merge(self.own, part)


def figure_table(
    user, area, day: datetime.date, keys: list[str] | None = None, *, children: bool = False
) -> tuple[dict[str, int | Decimal], list[dict]]:
    """The value of each figure for ``area`` (its subtree, as the user sees it) on ``day``
    and, with ``children``, one row per direct sub-area (``area`` and the values), then one
    for the records of ``area`` itself when there are any (``own`` true): the rows of an
    additive figure add up to its value.

    Counts: one query per model, grouped by the records' area and added up here for the
    area and each sub-area. Additive families: one selector pass, added up likewise;
    the others: one pass for the area and one per sub-area."""
    figures = [REGISTRY[k] for k in (keys or REGISTRY)]
    moment = Moment.of(day)
    counts = _Tally.under(area, children)
    by_model: dict[str, list[Figure]] = {}
    families: dict[str, Family] = {}
    for f in figures:
        if f.family is None:
            by_model.setdefault(f.model, []).append(f)
        else:
            families[f.family.key] = f.family
    for model, group in by_model.items():
        model_class = apps.get_model(model)
        scope = count_scope(model_class)
        records = scoped(model_class, user, area)
        if all(f.day_field for f in group):  # per-day rows: the day's only
            records = records.filter(**{group[0].day_field: moment.day})
        aggregates = _aggregates(group, moment)
        grouped = records.values(scope).annotate(**aggregates).values_list(scope, *aggregates)
        counts.add_counts(converted_once(grouped), list(aggregates))
    tallies: dict[str, _Tally] = {}
    for key, family in families.items():
        model_class = apps.get_model(family.model)
        tally = tallies[key] = counts.like(family.empty)
        if family.additive:
            for area_id, part in family.compute(scoped(model_class, user, area), moment).items():
                tally.add(area_id, part)
        else:
            records = scoped(model_class, user, area)
            tally.total = family.compute(records, moment)
            # Sub-areas without any of the records are empty: no pass for them.
            holding = {
                tally.child_of.get(a)
                for a in records.values_list(count_scope(model_class), flat=True).distinct()
            }
            tally.children = [
                family.compute(scoped(model_class, user, c), moment)
                if i in holding
                else family.empty()
                for i, c in enumerate(tally.subareas)
            ]
            if tally.subareas and None in holding:
                own = records.filter(**{count_scope(model_class): area.pk})
                tally.own = family.compute(own, moment)

    def value(f: Figure, i: int | str | None) -> int | Decimal:
        tally = counts if f.family is None else tallies[f.family.key]
        part = tally.total if i is None else tally.own if i == "own" else tally.children[i]
        return part.get(f.key, 0) if f.family is None else f.pick(part)

    values = {f.key: value(f, None) for f in figures}
    rows = [
        {"area": child, "own": False, **{f.key: value(f, i) for f in figures}}
        for i, child in enumerate(counts.subareas)
    ]
    if counts.subareas and any(
        counts.own.get(f.key) if f.family is None else tallies[f.family.key].own != f.family.empty()
        for f in figures
    ):
        rows.append({"area": area, "own": True, **{f.key: value(f, "own") for f in figures}})
    return values, rows


def figure_values(user, area, day: datetime.date, keys: list[str] | None = None) -> dict[str, int]:
    """The value of each figure for ``area`` (its subtree, as the user sees it) on ``day``."""
    return figure_table(user, area, day, keys)[0]


def figure_values_by_child(
    user, area, day: datetime.date, keys: list[str] | None = None
) -> list[dict]:
    """One row per direct sub-area of ``area``: ``area`` and the value of each figure."""
    return figure_table(user, area, day, keys, children=True)[1]


def figures_for(user) -> list[Figure]:
    """The figures ``user`` may read: those over models the user may view."""
    result = []
    for f in REGISTRY.values():
        meta = f.model_class._meta
        if user.has_perm(f.perm or f"{meta.app_label}.view_{meta.model_name}"):
            result.append(f)
    return result
