"""Loading the engine's facts for a batch of residents: one query per fact kind."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q

from fangkong.core import generations

from .clock import local_date, start_of_day
from .engine import (
    DEFAULT_POLICY,
    AssignmentFact,
    CaseFact,
    ContactFact,
    Facts,
    OverrideFact,
    Policy,
    PositiveTestFact,
    RiskStayFact,
)

POLICY_FIELDS = (
    "contact_days",
    "risk_lookback_days",
    "risk_min_rank",
    "risk_red_rank",
    "nat_required_hours",
)


def _model(label: str):
    return apps.get_model(*label.split("."))


@dataclass(frozen=True)
class _Designation:
    code: str
    name: str
    label: str
    level_name: str
    rank: int
    effective_from: datetime.datetime
    effective_to: datetime.datetime | None


# The stored status read with the facts, in this order (``ResidentRow.stored``).
STORED_FIELDS = ("colour", "reasons", "rules_version", "valid_until", "override_id", "area_id")


@dataclass
class ResidentRow:
    id: int
    area_id: int
    area_path: str
    name: str
    stored: dict | None = None  # the PersonStatus row as stored, when there is one


# What the context is built from; a change to any of them bumps its generation.
CONTEXT_KEYS = (generations.AREAS, generations.RISK, generations.STATUS_POLICY)

# Per process: (stamp, policies, designations) as last loaded. One person's recomputation
# then costs no query for the context: the stamp rides on the residents query.
_loaded: tuple[int, dict[str, Policy], list[_Designation]] | None = None


def _load_configuration() -> tuple[dict[str, Policy], list[_Designation]]:
    StatusPolicy = _model("status.StatusPolicy")
    policies = {
        row["area__path"]: Policy(**{f: row[f] for f in POLICY_FIELDS})
        for row in StatusPolicy.objects.order_by().values("area__path", *POLICY_FIELDS)
    }
    RiskDesignation = _model("risk.RiskDesignation")
    designations = [
        _Designation(
            code=row["area__code"] or row["place_code"],
            name=row["area__name"] or row["place_name"],
            label=row["area__name"] or row["place_name"] or row["place_code"],
            level_name=row["level__name"],
            rank=row["level__rank"],
            effective_from=row["effective_from"],
            effective_to=row["effective_to"],
        )
        for row in RiskDesignation.objects.order_by().values(
            "area__code",
            "area__name",
            "place_code",
            "place_name",
            "level__name",
            "level__rank",
            "effective_from",
            "effective_to",
        )
    ]
    return policies, designations


def forget_configuration() -> None:
    """Drop the cached policies and designations (tests that write them without services)."""
    global _loaded
    _loaded = None


@dataclass
class Context:
    """What a whole recomputation shares: policies by area path and the risk designations.

    Built from the process cache once the generation stamp is known (``refresh``); the
    stamp is read before the configuration, so a change committed in between only causes
    one more reload, never a stale cache.
    """

    now: datetime.datetime
    policies: dict[str, Policy] = field(default_factory=dict)
    designations: list[_Designation] = field(default_factory=list)
    stamp: int | None = None
    _policy_cache: dict[str, Policy] = field(default_factory=dict)
    _stay_cache: dict[tuple[str, datetime.date], list[RiskStayFact]] = field(default_factory=dict)

    @classmethod
    def load(cls, now: datetime.datetime) -> Context:
        ctx = cls(now=now)
        ctx.refresh(generations.stamp(CONTEXT_KEYS))
        return ctx

    def refresh(self, stamp: int) -> None:
        """Use the configuration of generation ``stamp`` (from the cache when it has it)."""
        global _loaded
        if stamp == self.stamp:
            return
        if _loaded is None or _loaded[0] != stamp:
            _loaded = (stamp, *_load_configuration())
        _, self.policies, self.designations = _loaded
        self.stamp = stamp
        self._policy_cache.clear()
        self._stay_cache.clear()

    def assume_cached(self) -> None:
        """Take the process's last loaded configuration (loading it if there is none) ahead
        of a statement whose stamp then confirms it (``refresh`` again when it differs)."""
        if self.stamp is None:
            self.refresh(_loaded[0] if _loaded is not None else generations.stamp(CONTEXT_KEYS))

    @property
    def max_contact_days(self) -> int:
        return max([DEFAULT_POLICY.contact_days, *(p.contact_days for p in self.policies.values())])

    @property
    def max_lookback_days(self) -> int:
        return max(
            [DEFAULT_POLICY.risk_lookback_days]
            + [p.risk_lookback_days for p in self.policies.values()]
        )

    @property
    def max_nat_hours(self) -> int | None:
        hours = [p.nat_required_hours for p in self.policies.values() if p.nat_required_hours]
        return max(hours) if hours else None

    def policy_for(self, area_path: str) -> Policy:
        """The policy of the nearest area at or above ``area_path`` that has one."""
        cached = self._policy_cache.get(area_path)
        if cached is not None:
            return cached
        policy = DEFAULT_POLICY
        parts = area_path.rstrip("/").split("/")
        for depth in range(len(parts), 0, -1):
            found = self.policies.get("/".join(parts[:depth]) + "/")
            if found is not None:
                policy = found
                break
        self._policy_cache[area_path] = policy
        return policy

    def risk_stays(self, origin: str, arrival: datetime.date) -> list[RiskStayFact]:
        from fangkong.risk.rules import place_matches

        key = (origin, arrival)
        if key not in self._stay_cache:
            begins = start_of_day(arrival)
            ends = start_of_day(arrival + datetime.timedelta(days=1))
            self._stay_cache[key] = [
                RiskStayFact(place=d.label, level_name=d.level_name, rank=d.rank)
                for d in self.designations
                if d.effective_from < ends
                and (d.effective_to is None or d.effective_to > begins)
                and place_matches(origin, place_code=d.code, place_name=d.name)
            ]
        return self._stay_cache[key]


def _for_ids(qs, field: str, ids: list[int]):
    """``field IN ids`` — or, when the sorted ids are dense (a streamed full run), the range
    between the first and last id, which is cheaper to build and to run; rows of residents
    outside the batch are then skipped by the caller."""
    # No ordering: a model's default ordering would make SQLite walk another index
    # (e.g. every active assignment by start date) instead of the resident_id one.
    qs = qs.order_by()
    if len(ids) > 50 and ids[-1] - ids[0] < 2 * len(ids):
        return qs.filter(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})
    return qs.filter(**{f"{field}__in": ids})


def load_facts(
    ids: list[int], ctx: Context, *, lock: bool = False
) -> tuple[dict[int, Facts], dict[int, ResidentRow]]:
    """Facts and the identity rows (area, name, stored status) of the residents ``ids`` that
    exist. With ``lock`` the residents' rows are locked until the transaction ends, which
    serialises concurrent recomputations of one person (their status row may not exist yet).

    The first query also brings the configuration stamp, so the context costs no query of
    its own unless the configuration changed.
    """
    now = ctx.now
    today = local_date(now)
    Resident = _model("registry.Resident")
    facts: dict[int, Facts] = {}
    rows: dict[int, ResidentRow] = {}
    wanted = set(ids)
    qs = _for_ids(Resident.objects, "pk", ids).annotate(
        config_stamp=generations.stamp_subquery(CONTEXT_KEYS)
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    stored_paths = [f"status__{f}" for f in STORED_FIELDS]
    residents = list(
        qs.values_list(
            "pk",
            "area_id",
            "area__path",
            "name",
            "origin",
            "arrival_date",
            "config_stamp",
            "status__pk",
            *stored_paths,
        )
    )
    if residents:
        ctx.refresh(residents[0][6])
    lookback_from = today - datetime.timedelta(days=ctx.max_lookback_days)
    for pk, area_id, path, name, origin, arrival, _stamp, status_pk, *stored in residents:
        if pk not in wanted:
            continue
        row = rows[pk] = ResidentRow(pk, area_id, path, name)
        if status_pk is not None:
            row.stored = dict(zip(STORED_FIELDS, stored, strict=True))
        f = facts[pk] = Facts(resident_id=pk, origin=origin, arrival_date=arrival)
        if origin and arrival and arrival >= lookback_from:
            f.risk_stays = ctx.risk_stays(origin, arrival)
    if not facts:
        return facts, rows
    ids = sorted(facts)

    Case = _model("tracing.Case")
    for rid, pk, code, kind in (
        _for_ids(Case.objects, "resident_id", ids)
        .filter(status="active")
        .values_list("resident_id", "pk", "code", "kind")
    ):
        if rid not in facts:
            continue
        facts[rid].active_cases.append(CaseFact(label=code or f"C-{pk}", kind=kind))

    Contact = _model("tracing.Contact")
    since = today - datetime.timedelta(days=ctx.max_contact_days)
    for rid, case_id, code, degree, last in (
        _for_ids(Contact.objects, "resident_id", ids)
        .filter(state="confirmed", last_exposure__gte=since)
        .values_list("resident_id", "case_id", "case__code", "degree", "last_exposure")
    ):
        if rid not in facts:
            continue
        facts[rid].confirmed_contacts.append(
            ContactFact(case_label=code or f"C-{case_id}", degree=degree, last_exposure=last)
        )

    Assignment = _model("health.Assignment")
    for rid, kind, start, end in (
        _for_ids(Assignment.objects, "resident_id", ids)
        .filter(state="active", end_date__gte=today)
        .values_list("resident_id", "kind", "start_date", "end_date")
    ):
        if rid not in facts:
            continue
        facts[rid].active_assignments.append(
            AssignmentFact(kind=kind, start_date=start, end_date=end)
        )

    # One query for both test facts: unreviewed positives (any age) and negatives in the
    # window, the latest of which counts.
    Test = _model("health.NucleicAcidTest")
    hours = ctx.max_nat_hours
    wanted_tests = Q(result="positive", review="")
    if hours:
        wanted_tests |= Q(result="negative", sampled_at__gt=now - datetime.timedelta(hours=hours))
    for rid, result, sampled in (
        _for_ids(Test.objects, "resident_id", ids)
        .filter(wanted_tests)
        .values_list("resident_id", "result", "sampled_at")
    ):
        f = facts.get(rid)
        if f is None:
            continue
        if result == "positive":
            f.unresolved_positive_tests.append(PositiveTestFact(sampled_at=sampled))
        elif f.last_negative_sampled_at is None or sampled > f.last_negative_sampled_at:
            f.last_negative_sampled_at = sampled

    Override = _model("status.StatusOverride")
    for rid, pk, colour, why, by_name, by_username, approved_at, expires in (
        _for_ids(Override.objects, "resident_id", ids)
        .filter(state="approved", expires_at__gt=now)
        .values_list(
            "resident_id",
            "pk",
            "colour",
            "reason",
            "approved_by__full_name",
            "approved_by__username",
            "approved_at",
            "expires_at",
        )
    ):
        if rid not in facts:
            continue
        facts[rid].approved_overrides.append(
            OverrideFact(
                id=pk,
                colour=colour,
                reason=why,
                approved_by=by_name or by_username,
                approved_at=approved_at,
                expires_at=expires,
            )
        )
    return facts, rows


# --- one person in one statement -----------------------------------------------------------
#
# The interactive path (a new fact for one person) pays per round trip and per statement
# compiled, not per row: it reads everything ``load_facts`` reads for one resident in a single
# ``UNION ALL`` of typed rows, as plain SQL built once per process. Each branch fills the slots
# it needs (the first branch types every slot for PostgreSQL's pairwise UNION resolution):
#   kind, n1..n6 (integers), s1..s6 (text), d1, d2 (dates), t1, t2 (moments).
# The batch loader above stays the reference; a test holds the two equal on a population
# that exercises every rule.

_ONE_SLOTS = 17
_one_sql_cache: dict[str, str] = {}


def one_sql(vendor: str) -> str:
    """The one-person facts statement; parameters in the order of ``one_params``."""
    cached = _one_sql_cache.get(vendor)
    if cached is not None:
        return cached
    from django.db import connection

    qn = connection.ops.quote_name

    def t(label: str) -> str:
        return qn(_model(label)._meta.db_table)

    def row(kind: str, **slots: str) -> str:
        names = ["n1", "n2", "n3", "n4", "n5", "n6", "s1", "s2", "s3", "s4", "s5", "s6"]
        names += ["d1", "d2", "t1", "t2"]
        return ", ".join([f"'{kind}'", *(slots.get(n, "NULL") for n in names)])

    stamp = (
        f"(SELECT CAST(COALESCE(SUM(g.{qn('value')}), 0) AS BIGINT) "  # noqa: S608
        f"FROM {t('core.Generation')} g WHERE g.{qn('key')} IN (%s, %s, %s))"
    )
    sql = f"""
SELECT {
        row(
            "r",
            n1="r.id",
            n2="r.area_id",
            n3=stamp,
            n4="ps.resident_id",
            n5="ps.override_id",
            n6="ps.area_id",
            s1="a.path",
            s2="r.name",
            s3="r.origin",
            s4="ps.colour",
            s5="CAST(ps.reasons AS TEXT)",
            s6="ps.rules_version",
            d1="r.arrival_date",
            d2="CAST(NULL AS DATE)",
            t1="ps.valid_until",
            t2="ps.computed_at",
        )
    }
FROM {t("registry.Resident")} r
JOIN {t("areas.Area")} a ON a.id = r.area_id
LEFT JOIN {t("status.PersonStatus")} ps ON ps.resident_id = r.id
WHERE r.id = %s
UNION ALL
SELECT {row("c", n1="c.id", s1="c.code", s2="c.kind")}
FROM {t("tracing.Case")} c WHERE c.resident_id = %s AND c.status = 'active'
UNION ALL
SELECT {row("k", n1="k.case_id", s1="kc.code", s2="k.degree", d1="k.last_exposure")}
FROM {t("tracing.Contact")} k JOIN {t("tracing.Case")} kc ON kc.id = k.case_id
WHERE k.resident_id = %s AND k.state = 'confirmed' AND k.last_exposure >= %s
UNION ALL
SELECT {row("a", s1="x.kind", d1="x.start_date", d2="x.end_date")}
FROM {t("health.Assignment")} x
WHERE x.resident_id = %s AND x.state = 'active' AND x.end_date >= %s
UNION ALL
SELECT {row("p", t1="p.sampled_at")}
FROM {t("health.NucleicAcidTest")} p
WHERE p.resident_id = %s AND p.result = 'positive' AND p.review = ''
UNION ALL
SELECT {row("n", t1="MAX(q.sampled_at)")}
FROM {t("health.NucleicAcidTest")} q
WHERE q.resident_id = %s AND q.result = 'negative' AND q.sampled_at > %s
UNION ALL
SELECT {
        row(
            "o",
            n1="o.id",
            s1="o.colour",
            s2="o.reason",
            s3="u.full_name",
            s4="u.username",
            t1="o.approved_at",
            t2="o.expires_at",
        )
    }
FROM {t("status.StatusOverride")} o LEFT JOIN {t("accounts.User")} u ON u.id = o.approved_by_id
WHERE o.resident_id = %s AND o.state = 'approved' AND o.expires_at > %s
"""  # noqa: S608 — only quoted table names are interpolated
    _one_sql_cache[vendor] = sql
    return sql


def one_params(rid: int, ctx: Context, adapt_date, adapt_moment) -> list:
    """Parameters of ``one_sql`` for resident ``rid`` under the configuration ``ctx`` holds."""
    now = ctx.now
    today = local_date(now)
    since = today - datetime.timedelta(days=ctx.max_contact_days)
    hours = ctx.max_nat_hours
    # Without a NAT policy no negative counts; ``now`` keeps the statement's shape.
    negatives_after = now - datetime.timedelta(hours=hours) if hours else now
    return [
        *CONTEXT_KEYS,
        rid,
        rid,
        rid,
        adapt_date(since),
        rid,
        adapt_date(today),
        rid,
        rid,
        adapt_moment(negatives_after),
        rid,
        adapt_moment(now),
    ]


def _date(value) -> datetime.date | None:
    """A date as the driver returns it (SQLite: ISO text)."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _moment(value) -> datetime.datetime | None:
    """An aware moment as the driver returns it (SQLite: naive UTC text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


def one_stamp(rows: list[tuple]) -> int | None:
    """The configuration stamp the resident row brought (None: no such resident)."""
    for r in rows:
        if r[0] == "r":
            return r[3]
    return None


def facts_from_one(rows: list[tuple], ctx: Context) -> tuple[Facts, ResidentRow] | None:
    """Facts and identity row from the rows of ``one_sql`` — what ``load_facts`` gives for
    the same resident; None when the resident does not exist."""
    import json

    main = next((r for r in rows if r[0] == "r"), None)
    if main is None:
        return None
    (_, pk, area_id, _stamp, status_pk, override_id, st_area, path, name, origin, colour,
     reasons, version, arrival, _d2, valid_until, _t2) = main  # fmt: skip
    arrival = _date(arrival)
    row = ResidentRow(pk, area_id, path, name)
    if status_pk is not None:
        if isinstance(reasons, str):
            reasons = json.loads(reasons)
        row.stored = dict(
            zip(
                STORED_FIELDS,
                (colour, reasons, version, _moment(valid_until), override_id, st_area),
                strict=True,
            )
        )
    f = Facts(resident_id=pk, origin=origin, arrival_date=arrival)
    today = local_date(ctx.now)
    if origin and arrival and arrival >= today - datetime.timedelta(days=ctx.max_lookback_days):
        f.risk_stays = ctx.risk_stays(origin, arrival)
    hours = ctx.max_nat_hours
    for kind, n1, *_n, s1, s2, s3, s4, _s5, _s6, d1, d2, t1, t2 in rows:
        if kind == "c":
            f.active_cases.append(CaseFact(label=s1 or f"C-{n1}", kind=s2))
        elif kind == "k":
            f.confirmed_contacts.append(
                ContactFact(case_label=s1 or f"C-{n1}", degree=s2, last_exposure=_date(d1))
            )
        elif kind == "a":
            f.active_assignments.append(
                AssignmentFact(kind=s1, start_date=_date(d1), end_date=_date(d2))
            )
        elif kind == "p":
            f.unresolved_positive_tests.append(PositiveTestFact(sampled_at=_moment(t1)))
        elif kind == "n" and t1 is not None and hours:
            f.last_negative_sampled_at = _moment(t1)
        elif kind == "o":
            f.approved_overrides.append(
                OverrideFact(
                    id=n1,
                    colour=s1,
                    reason=s2,
                    approved_by=s3 or s4,
                    approved_at=_moment(t1),
                    expires_at=_moment(t2),
                )
            )
    return f, row
