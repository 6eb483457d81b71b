"""The person-status rules: a pure function from facts to (colour, reasons, valid_until).

Each rule is one small function with its own code and Chinese reason text naming the fact.
Nothing here touches the database: ``facts.load_facts`` gathers the facts of many residents
with one query per fact kind, and ``services.recompute_status`` stores the results.

A reason is a JSON-ready dict ``{"code", "colour", "params", "text", "public"}``: ``text`` is
for staff (it names the case, the place…), ``public`` is what the person's own page shows (no
identifiers), and ``params`` lets a page render either again in another language.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from fangkong.formats import moment

from .choices import SEVERITY, Colour
from .clock import local_date, start_of_day

RULES_VERSION = "2026.1"

# Assignment and case kinds as stored by the health and tracing apps (kept as plain strings
# so the engine does not import their models).
QUARANTINE = ("home_quarantine", "central_quarantine")
MONITORING = ("health_monitoring", "post_discharge")


@dataclass(frozen=True)
class Policy:
    """Rule parameters (see ``StatusPolicy``); these defaults apply where no area sets one."""

    contact_days: int = 14
    risk_lookback_days: int = 14
    risk_min_rank: int = 2
    risk_red_rank: int | None = None
    nat_required_hours: int | None = None


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class CaseFact:
    label: str
    kind: str


@dataclass(frozen=True)
class ContactFact:
    case_label: str
    degree: str
    last_exposure: datetime.date


@dataclass(frozen=True)
class AssignmentFact:
    kind: str
    start_date: datetime.date
    end_date: datetime.date


@dataclass(frozen=True)
class PositiveTestFact:
    sampled_at: datetime.datetime


@dataclass(frozen=True)
class RiskStayFact:
    """A designation in force on the resident's arrival date for the place they came from."""

    place: str
    level_name: str
    rank: int


@dataclass(frozen=True)
class OverrideFact:
    id: int
    colour: str
    reason: str
    approved_by: str
    approved_at: datetime.datetime
    expires_at: datetime.datetime


@dataclass
class Facts:
    """Everything the rules may look at for one resident."""

    resident_id: int
    origin: str = ""
    arrival_date: datetime.date | None = None
    active_cases: list[CaseFact] = field(default_factory=list)
    confirmed_contacts: list[ContactFact] = field(default_factory=list)
    active_assignments: list[AssignmentFact] = field(default_factory=list)
    unresolved_positive_tests: list[PositiveTestFact] = field(default_factory=list)
    last_negative_sampled_at: datetime.datetime | None = None
    risk_stays: list[RiskStayFact] = field(default_factory=list)
    approved_overrides: list[OverrideFact] = field(default_factory=list)


class Evaluation(NamedTuple):
    colour: str
    reasons: list[dict]
    valid_until: datetime.datetime | None


@dataclass
class RuleResult:
    reasons: list[dict] = field(default_factory=list)
    changes_at: list[datetime.datetime] = field(default_factory=list)


# --- reason texts ------------------------------------------------------------------------

TEXTS = {
    "case": (
        _("红码：%(kind)s %(case)s，治疗/隔离管理中"),
        _("红码：感染者，治疗/隔离管理中"),
    ),
    "close_contact": (
        _("红码：病例 %(case)s 的密切接触者，隔离至 %(until)s"),
        _("红码：密切接触者，隔离至 %(until)s"),
    ),
    "quarantine": (
        _("红码：%(kind)s中，至 %(until)s"),
        _("红码：%(kind)s中，至 %(until)s"),
    ),
    "nat_positive": (
        _("红码：核酸阳性待复核（%(sampled)s 采样）"),
        _("红码：核酸阳性待复核"),
    ),
    "secondary_contact": (
        _("黄码：病例 %(case)s 的次密切接触者，管控至 %(until)s"),
        _("黄码：次密切接触者，管控至 %(until)s"),
    ),
    "monitoring": (
        _("黄码：%(kind)s中，至 %(until)s"),
        _("黄码：%(kind)s中，至 %(until)s"),
    ),
    "risk_area": (
        _("%(colour)s：%(arrival)s 自%(level)s地区“%(place)s”抵达，观察至 %(until)s"),
        _("%(colour)s：%(arrival)s 自%(level)s地区抵达，观察至 %(until)s"),
    ),
    "nat_missing": (
        _("黄码：%(hours)s 小时内无核酸阴性结果"),
        _("黄码：%(hours)s 小时内无核酸阴性结果"),
    ),
    "override": (
        _("人工调整为%(colour)s：%(reason)s，由 %(approver)s 批准，至 %(until)s"),
        _("人工调整为%(colour)s，至 %(until)s"),
    ),
}

KIND_LABELS = {
    "confirmed": _("确诊病例"),
    "asymptomatic": _("无症状感染者"),
    "home_quarantine": _("居家隔离"),
    "central_quarantine": _("集中隔离"),
    "health_monitoring": _("健康监测"),
    "post_discharge": _("出院后随访监测"),
}

COLOUR_LABELS = dict(Colour.choices)

# Parameters that are codes, rendered through a label table in the current language.
_LABELLED = {"kind": KIND_LABELS, "colour": COLOUR_LABELS}


def render(reason: dict, *, public: bool = False) -> str:
    """The reason's text in the active language (stored reasons carry their params)."""
    params = {
        k: str(_LABELLED[k].get(v, v)) if k in _LABELLED else v
        for k, v in reason.get("params", {}).items()
    }
    template = TEXTS[reason["code"]][1 if public else 0]
    return str(template) % params


def reason(code: str, colour: str, /, **params) -> dict:
    r = {"code": code, "colour": str(colour), "params": params}
    r["text"] = render(r)
    r["public"] = render(r, public=True)
    return r


def fmt_date(day: datetime.date) -> str:
    return day.isoformat()


def fmt_moment(value: datetime.datetime) -> str:
    return moment(value)


# --- the rules ---------------------------------------------------------------------------


def rule_active_case(facts: Facts, policy: Policy, now: datetime.datetime) -> RuleResult:
    """An active confirmed or asymptomatic case is red until it recovers or is discharged."""
    out = RuleResult()
    for case in facts.active_cases:
        out.reasons.append(reason("case", Colour.RED, kind=case.kind, case=case.label))
    return out


def _contact_rule(degree: str, code: str, colour: str):
    def rule(facts: Facts, policy: Policy, now: datetime.datetime) -> RuleResult:
        out = RuleResult()
        today = local_date(now)
        for c in facts.confirmed_contacts:
            if c.degree != degree:
                continue
            until = c.last_exposure + datetime.timedelta(days=policy.contact_days)
            if today <= until:
                out.reasons.append(reason(code, colour, case=c.case_label, until=fmt_date(until)))
                out.changes_at.append(start_of_day(until + datetime.timedelta(days=1)))
        return out

    return rule


rule_close_contact = _contact_rule("close", "close_contact", Colour.RED)
rule_close_contact.__doc__ = "A confirmed close contact is red for contact_days after exposure."
rule_secondary_contact = _contact_rule("secondary", "secondary_contact", Colour.YELLOW)
rule_secondary_contact.__doc__ = "A confirmed secondary contact is yellow for contact_days."


def _assignment_rule(kinds: tuple[str, ...], code: str, colour: str):
    def rule(facts: Facts, policy: Policy, now: datetime.datetime) -> RuleResult:
        out = RuleResult()
        today = local_date(now)
        for a in facts.active_assignments:
            if a.kind not in kinds:
                continue
            if today < a.start_date:
                out.changes_at.append(start_of_day(a.start_date))
            elif today <= a.end_date:
                out.reasons.append(reason(code, colour, kind=a.kind, until=fmt_date(a.end_date)))
                out.changes_at.append(start_of_day(a.end_date + datetime.timedelta(days=1)))
        return out

    return rule


rule_quarantine = _assignment_rule(QUARANTINE, "quarantine", Colour.RED)
rule_quarantine.__doc__ = "Home or central quarantine in its period is red."
rule_monitoring = _assignment_rule(MONITORING, "monitoring", Colour.YELLOW)
rule_monitoring.__doc__ = "Health monitoring or post-discharge follow-up in its period is yellow."


def rule_positive_test(facts: Facts, policy: Policy, now: datetime.datetime) -> RuleResult:
    """A positive nucleic-acid result nobody has reviewed yet is red (核酸阳性待复核)."""
    out = RuleResult()
    for t in facts.unresolved_positive_tests:
        out.reasons.append(reason("nat_positive", Colour.RED, sampled=fmt_moment(t.sampled_at)))
    return out


def rule_risk_area(facts: Facts, policy: Policy, now: datetime.datetime) -> RuleResult:
    """Arrival within risk_lookback_days from a place of at least risk_min_rank: yellow, or
    red from risk_red_rank when the policy says so. The highest-ranked match is named."""
    out = RuleResult()
    if facts.arrival_date is None or not facts.risk_stays:
        return out
    today = local_date(now)
    until = facts.arrival_date + datetime.timedelta(days=policy.risk_lookback_days)
    if not (facts.arrival_date <= today <= until):
        if today < facts.arrival_date:
            out.changes_at.append(start_of_day(facts.arrival_date))
        return out
    stays = [s for s in facts.risk_stays if s.rank >= policy.risk_min_rank]
    if not stays:
        return out
    stay = max(stays, key=lambda s: s.rank)
    red = policy.risk_red_rank is not None and stay.rank >= policy.risk_red_rank
    colour = Colour.RED if red else Colour.YELLOW
    out.reasons.append(
        reason(
            "risk_area",
            colour,
            colour=str(colour),
            arrival=fmt_date(facts.arrival_date),
            level=stay.level_name,
            place=stay.place,
            until=fmt_date(until),
        )
    )
    out.changes_at.append(start_of_day(until + datetime.timedelta(days=1)))
    return out


def rule_nat_required(facts: Facts, policy: Policy, now: datetime.datetime) -> RuleResult:
    """With nat_required_hours set, no negative sample within that many hours is yellow."""
    out = RuleResult()
    hours = policy.nat_required_hours
    if not hours:
        return out
    last = facts.last_negative_sampled_at
    if last is not None and last + datetime.timedelta(hours=hours) > now:
        out.changes_at.append(last + datetime.timedelta(hours=hours))
        return out
    out.reasons.append(reason("nat_missing", Colour.YELLOW, hours=hours))
    return out


RULES: tuple[Callable[[Facts, Policy, datetime.datetime], RuleResult], ...] = (
    rule_active_case,
    rule_close_contact,
    rule_quarantine,
    rule_positive_test,
    rule_secondary_contact,
    rule_monitoring,
    rule_risk_area,
    rule_nat_required,
)


def effective_override(facts: Facts, now: datetime.datetime) -> OverrideFact | None:
    """The most recently approved override that has not expired."""
    live = [o for o in facts.approved_overrides if o.expires_at > now]
    return max(live, key=lambda o: (o.approved_at, o.id)) if live else None


def evaluate(facts: Facts, policy: Policy, now: datetime.datetime) -> Evaluation:
    """Colour, reasons (most severe first) and the moment the result may change by time."""
    reasons: list[dict] = []
    changes: list[datetime.datetime] = []
    for rule in RULES:
        result = rule(facts, policy, now)
        reasons.extend(result.reasons)
        changes.extend(result.changes_at)
    reasons.sort(key=lambda r: -SEVERITY[r["colour"]])  # stable: rule order within a colour
    colour = reasons[0]["colour"] if reasons else str(Colour.GREEN)
    override = effective_override(facts, now)
    if override is not None:
        colour = override.colour
        changes.append(override.expires_at)
        reasons.insert(
            0,
            reason(
                "override",
                override.colour,
                colour=override.colour,
                reason=override.reason,
                approver=override.approved_by,
                until=fmt_moment(override.expires_at),
            ),
        )
    future = [c for c in changes if c > now]
    return Evaluation(colour, reasons, min(future) if future else None)
