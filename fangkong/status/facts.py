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
