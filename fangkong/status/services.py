"""Writes of the status app: the recomputation that stores derived statuses, the dual-
approval overrides, and area policies.

``PersonStatus`` rows are written here and nowhere else, and only from the rules' output: a
person turns red only through a recorded fact or an approved override.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.accounts.choices import Role
from fangkong.core import audit, generations, pipelined
from fangkong.core.batches import batched
from fangkong.core.models.audit import AuditAction
from fangkong.core.personal import mask_name
from fangkong.core.services import lock_versioned, require_area, require_perm

from .choices import Colour, OverrideState
from .engine import RULES_VERSION, effective_override, evaluate
from .facts import Context, facts_from_one, load_facts, one_params, one_sql, one_stamp
from .models import PersonStatus, StatusOverride, StatusPolicy

BATCH_SIZE = 2000
STATUS_FIELDS = (
    "area",
    "colour",
    "reasons",
    "rules_version",
    "computed_at",
    "valid_until",
    "override",
)


@dataclass
class RecomputeResult:
    evaluated: int = 0
    created: int = 0
    updated: int = 0
    changed: int = 0  # colour or reasons changed: one audit entry each

    def add(self, other: RecomputeResult) -> None:
        self.evaluated += other.evaluated
        self.created += other.created
        self.updated += other.updated
        self.changed += other.changed


def _essence(reasons: list[dict]) -> list[tuple]:
    """What makes two reason lists the same status (texts are re-rendered, params are not)."""
    return [(r["code"], r["colour"], sorted(r.get("params", {}).items())) for r in reasons]


def _texts(reasons: list[dict]) -> list[str]:
    return [r["text"] for r in reasons]


def _decide(
    rid: int, f, row, ctx: Context, cause: str
) -> tuple[PersonStatus | None, audit.Event | None]:
    """The row to write (None: the stored one stands) and the audit event (None: colour and
    reasons unchanged) for one resident's facts — shared by the batch and one-person paths."""
    now = ctx.now
    colour, reasons, valid_until = evaluate(f, ctx.policy_for(row.area_path), now)
    override = effective_override(f, now)
    override_id = override.id if override else None
    old = row.stored
    old_colour = old["colour"] if old else str(Colour.GREEN)
    old_reasons = old["reasons"] if old else []
    changed = old_colour != colour or _essence(old_reasons) != _essence(reasons)
    status = event = None
    if (
        old is None
        or changed
        or old["valid_until"] != valid_until
        or old["override_id"] != override_id
        or old["area_id"] != row.area_id
        or old["rules_version"] != RULES_VERSION
    ):
        status = PersonStatus(
            resident_id=rid,
            area_id=row.area_id,
            colour=colour,
            reasons=reasons,
            rules_version=RULES_VERSION,
            computed_at=now,
            valid_until=valid_until,
            override_id=override_id,
        )
    if changed:
        event = audit.Event(
            action=AuditAction.UPDATE if old else AuditAction.CREATE,
            object_type="status.personstatus",
            object_id=str(rid),
            object_repr=mask_name(row.name),
            area_path=row.area_path,
            changes={
                "colour": [old_colour if old else None, colour],
                "reasons": [_texts(old_reasons), _texts(reasons)],
            },
            reason=cause,
        )
    return status, event


def _recompute_batch(ids: list[int], ctx: Context, cause: str, actor) -> RecomputeResult:
    res = RecomputeResult()
    with transaction.atomic():
        facts, rows = load_facts(ids, ctx, lock=True)
        created, updated, events = [], [], []
        for rid, f in facts.items():
            row = rows[rid]
            status, event = _decide(rid, f, row, ctx, cause)
            if status is not None:
                (created if row.stored is None else updated).append(status)
            if event is not None:
                events.append(event)
        if created or updated:
            # One upsert for new and changed rows (bulk_update's CASE per field is ~10x slower).
            PersonStatus.objects.bulk_create(
                created + updated,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["resident"],
                update_fields=STATUS_FIELDS,
            )
        audit.record_many(actor, events)
    res.evaluated, res.created, res.updated, res.changed = (
        len(facts),
        len(created),
        len(updated),
        len(events),
    )
    return res


# --- one person: two round trips ----------------------------------------------------------
#
# A new fact for one person (the interactive path) recomputes that person alone. Its cost is
# round trips and statement compiling, so it sends fixed-shape SQL built once per process:
# the lock and every fact in one exchange, the upsert, audit entry and COMMIT in a second.
# On PostgreSQL both exchanges are psycopg pipelines on a server-binding cursor, whose
# statements the server keeps prepared (``prepare_threshold`` in the database OPTIONS).


@cache
def _sql(vendor: str) -> dict[str, str]:
    qn = connection.ops.quote_name
    table = qn(PersonStatus._meta.db_table)
    columns = ["resident_id", "area_id", *(f"{f}_id" if f in ("area", "override") else f
               for f in STATUS_FIELDS if f != "area"), "public_code"]  # fmt: skip
    updates = ", ".join(
        f"{qn(c)} = EXCLUDED.{qn(c)}" for c in columns if c not in ("resident_id", "public_code")
    )
    resident = qn(_resident_table())
    return {
        "facts": one_sql(vendor),
        "lock": f"SELECT 1 FROM {resident} WHERE id = %s FOR UPDATE",  # noqa: S608
        "upsert": (
            f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT ({qn('resident_id')}) DO UPDATE SET {updates}"
        ),
    }


def _resident_table() -> str:
    from fangkong.registry.models import Resident

    return Resident._meta.db_table


def _upsert_params(status: PersonStatus) -> list:
    dt = connection.ops.adapt_datetimefield_value
    return [
        status.resident_id,
        status.area_id,
        status.colour,
        json.dumps(status.reasons),  # as JSONField stores it
        status.rules_version,
        dt(status.computed_at),
        dt(status.valid_until),
        status.override_id,
        status.public_code,
    ]


def _read_one(execute, rid: int, ctx: Context) -> list[tuple]:
    """The rows of the facts statement under the current configuration: read again if the
    statement's stamp shows the configuration changed in a way that moves its parameters."""
    ops = connection.ops
    sql = _sql(connection.vendor)["facts"]
    ctx.assume_cached()
    params = one_params(rid, ctx, ops.adapt_datefield_value, ops.adapt_datetimefield_value)
    rows = execute(sql, params)
    stamp = one_stamp(rows)
    if stamp is not None and stamp != ctx.stamp:
        ctx.refresh(stamp)
        again = one_params(rid, ctx, ops.adapt_datefield_value, ops.adapt_datetimefield_value)
        if again != params:
            rows = execute(sql, again)
    return rows


def _recompute_one(rid: int, ctx: Context, cause: str, actor) -> RecomputeResult:
    if connection.vendor == "postgresql":
        return _recompute_one_pg(rid, ctx, cause, actor)
    res = RecomputeResult()
    with transaction.atomic(), connection.cursor() as cursor:

        def execute(sql, params):
            cursor.execute(sql, params)
            return cursor.fetchall()

        loaded = facts_from_one(_read_one(execute, rid, ctx), ctx)
        if loaded is None:
            return res
        status, event = _decide(rid, *loaded, ctx, cause)
        if status is not None:
            cursor.execute(_sql(connection.vendor)["upsert"], _upsert_params(status))
        if event is not None:
            audit.record_many(actor, [event])
    return _counted(res, loaded[1], status, event)


def _counted(res: RecomputeResult, row, status, event) -> RecomputeResult:
    res.evaluated = 1
    if status is not None:
        res.created, res.updated = (1, 0) if row.stored is None else (0, 1)
    res.changed = int(event is not None)
    return res


def _recompute_one_pg(rid: int, ctx: Context, cause: str, actor) -> RecomputeResult:
    res = RecomputeResult()
    sql = _sql("postgresql")
    with pipelined.transaction() as p:
        # Round trip 1: BEGIN, the lock, the facts. The lock is a statement of its own so
        # that the facts' snapshot is taken once it is granted.
        p.send(sql["lock"], [rid])
        loaded = facts_from_one(_read_one(p.fetch, rid, ctx), ctx)
        status = event = None
        if loaded is not None:
            status, event = _decide(rid, *loaded, ctx, cause)
        # Round trip 2 (the pipeline's end): the upsert, the audit entry, COMMIT.
        if status is not None:
            p.send(sql["upsert"], _upsert_params(status))
        if event is not None:
            audit.append(p, actor, event, timezone.now())
    return res if loaded is None else _counted(res, loaded[1], status, event)


def recompute_status(
    resident_ids: Iterable[int],
    *,
    cause: str,
    actor=None,
    now: datetime.datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> RecomputeResult:
    """Evaluate the rules for these residents and store what changed.

    Facts are loaded per batch with one query per fact kind; only rows whose result changed
    are written, and each change of colour or reasons appends one audit entry carrying
    ``cause``. ``resident_ids`` may be a generator: it is consumed batch by batch.
    """
    total = RecomputeResult()
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        ctx = Context(now=now)  # filled from the first batch's stamp
        ids = sorted(set(resident_ids))
        if len(ids) == 1:
            return _recompute_one(ids[0], ctx, cause, actor)
        for chunk in batched(ids, batch_size):
            total.add(_recompute_batch(list(chunk), ctx, cause, actor))
    return total


def _stream_ids(qs, field: str = "pk", chunk: int = BATCH_SIZE) -> Iterator[int]:
    """Ids of ``qs`` in ascending order, read with keyset pagination (bounded memory)."""
    last = 0
    while True:
        page = list(
            qs.filter(**{f"{field}__gt": last})
            .order_by(field)
            .values_list(field, flat=True)[:chunk]
        )
        if not page:
            return
        yield from page
        last = page[-1]


def recompute_stream(
    ids: Iterator[int], *, cause: str, actor=None, now: datetime.datetime | None = None
) -> RecomputeResult:
    """Recompute a long stream of ids batch by batch, loading the context once."""
    total = RecomputeResult()
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        ctx = Context(now=now)  # filled from the first batch's stamp
        for chunk in batched(ids, BATCH_SIZE):
            total.add(_recompute_batch(list(chunk), ctx, cause, actor))
    return total


def recompute_all(*, cause: str, actor=None, now=None, area=None) -> RecomputeResult:
    from fangkong.registry.models import Resident

    qs = Resident.objects.all() if area is None else Resident.objects.in_area(area)
    return recompute_stream(_stream_ids(qs), cause=cause, actor=actor, now=now)


def recompute_due(*, now=None, cause: str | None = None) -> RecomputeResult:
    """Rows whose ``valid_until`` has passed: their result may have changed by time alone."""
    now = now or timezone.now()
    qs = PersonStatus.objects.filter(valid_until__lte=now)
    return recompute_stream(
        _stream_ids(qs, "resident_id"), cause=cause or _("到期自动重算"), now=now
    )


def current_status(resident, *, now=None, cause: str | None = None) -> PersonStatus:
    """The resident's status as of ``now``: the stored row, recomputed first when missing or
    past its ``valid_until`` (its result may have changed by time alone since the last run)."""
    now = now or timezone.now()
    status = PersonStatus.objects.filter(pk=resident.pk).first()
    if status is None or (status.valid_until is not None and status.valid_until <= now):
        recompute_status([resident.pk], cause=cause or _("到期自动重算"), now=now)
        status = PersonStatus.objects.get(pk=resident.pk)
    return status


def recompute_on_commit(resident_ids: Iterable[int], *, cause: str, actor=None) -> None:
    """Schedule a recomputation for when the current transaction commits."""
    ids = sorted(set(resident_ids))
    if ids:
        transaction.on_commit(lambda: recompute_status(ids, cause=cause, actor=actor))


def recompute_in_background_on_commit(resident_ids: Iterable[int], *, cause: str) -> None:
    """As ``recompute_on_commit``, as a background job: an import may touch thousands of
    residents, which its request should not wait for."""
    from .tasks import recompute_residents_status

    ids = sorted(set(resident_ids))
    if ids:
        transaction.on_commit(lambda: recompute_residents_status.enqueue(ids, cause))


# --- overrides ---------------------------------------------------------------------------


def end_overrides_for_new_fact(
    resident_ids: Iterable[int], *, cause: str, actor=None, now: datetime.datetime | None = None
) -> int:
    """A new case, confirmed contact, quarantine, monitoring or positive test ends the
    approved overrides still running for these residents that set a colour other than red:
    an override judged the facts known when it was approved, never a fact recorded after it
    (a person made green for a misread test who then becomes a case must turn red). Each end
    is audited; call inside the service's transaction, before ``recompute_on_commit``."""
    now = now or timezone.now()
    ended = list(
        StatusOverride.objects.select_for_update()
        .filter(
            resident_id__in=list(resident_ids),
            state=OverrideState.APPROVED,
            expires_at__gt=now,
        )
        .exclude(colour=Colour.RED)
        .order_by("pk")
    )
    reason = _("新的防控事实（%(cause)s），人工调整提前结束") % {"cause": cause}
    for override in ended:
        before = StatusOverride.objects.get(pk=override.pk)
        override.expires_at = now
        override.version = before.version + 1
        override.save()
        audit.record_update(actor, before, override, reason=reason)
    return len(ended)


ROLE_RANK = {Role.GRID_WORKER: 1, Role.COMMUNITY: 2, Role.STREET: 3, Role.COMMAND: 4}
TOP_RANK = max(ROLE_RANK.values())


def role_rank(user) -> int:
    """Rank for dual approval (指挥部 > 街道 > 社区 > 网格员); 0 for every other role."""
    if user is None or not user.is_authenticated:
        return 0
    return ROLE_RANK.get(user.role, 0)


def approver_rank(user) -> int:
    """The rank a user approves with: a superuser's is the top one, whatever their role."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return TOP_RANK
    return role_rank(user)


def may_approve_rank(approver, requester_rank: int) -> bool:
    """A higher rank approves a request; at the top rank, where nobody is higher, a second
    top-ranked user (another command-office account, or a superuser) does."""
    rank = approver_rank(approver)
    return rank > requester_rank or rank == requester_rank == TOP_RANK


def request_status_override(
    *,
    actor,
    resident,
    colour: str,
    reason: str,
    expires_at: datetime.datetime,
    now: datetime.datetime | None = None,
) -> StatusOverride:
    """Ask for a manual colour; it has no effect until a second user approves: a higher-ranked
    one, or for the command office another top-ranked one."""
    now = now or timezone.now()
    require_perm(actor, "status.add_statusoverride")
    if role_rank(actor) == 0:
        raise PermissionDenied(_("您的角色不能申请人工调整状态"))
    require_area(actor, resident.area)
    if colour not in Colour.values:
        raise ValidationError({"colour": _("请选择调整后的状态")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("人工调整必须填写原因")})
    if expires_at is None:
        raise ValidationError({"expires_at": _("人工调整必须填写有效期")})
    if expires_at <= now:
        raise ValidationError({"expires_at": _("有效期必须晚于当前时间")})
    with transaction.atomic():
        override = StatusOverride.objects.create(
            resident=resident,
            colour=colour,
            reason=reason.strip(),
            expires_at=expires_at,
            requested_by=actor,
            requested_at=now,
        )
        audit.record_create(actor, override, reason=override.reason)
    return override


def _check_approver(actor, override: StatusOverride) -> None:
    require_perm(actor, "status.approve_statusoverride")
    if actor.pk == override.requested_by_id:
        raise PermissionDenied(_("不能审批自己提交的人工调整申请"))
    if not may_approve_rank(actor, role_rank(override.requested_by)):
        if role_rank(override.requested_by) == TOP_RANK:
            raise PermissionDenied(_("指挥部提交的申请须由指挥部其他人员审批"))
        raise PermissionDenied(_("审批人的级别必须高于申请人"))
    require_area(actor, override.resident.area)


def approve_status_override(
    *, actor, override: StatusOverride, now: datetime.datetime | None = None
) -> StatusOverride:
    now = now or timezone.now()
    _check_approver(actor, override)
    with transaction.atomic():
        before = lock_versioned(override, None)
        if before.state != OverrideState.PENDING:
            raise ValidationError({"state": _("该申请已处理")})
        if before.expires_at <= now:
            raise ValidationError({"expires_at": _("该申请的有效期已过，不能批准")})
        override.state = OverrideState.APPROVED
        override.approved_by = actor
        override.approved_at = now
        override.version = before.version + 1
        override.save()
        audit.record_update(actor, before, override)
        recompute_on_commit([override.resident_id], cause=_("人工调整获批"), actor=actor)
    return override


def reject_status_override(
    *, actor, override: StatusOverride, note: str, now: datetime.datetime | None = None
) -> StatusOverride:
    now = now or timezone.now()
    _check_approver(actor, override)
    if not (note or "").strip():
        raise ValidationError({"rejection_note": _("驳回须填写说明")})
    with transaction.atomic():
        before = lock_versioned(override, None)
        if before.state != OverrideState.PENDING:
            raise ValidationError({"state": _("该申请已处理")})
        override.state = OverrideState.REJECTED
        override.rejected_by = actor
        override.rejected_at = now
        override.rejection_note = note.strip()
        override.version = before.version + 1
        override.save()
        audit.record_update(actor, before, override)
    return override


# --- policies ----------------------------------------------------------------------------

POLICY_LIMITS = {
    "contact_days": (1, 60, _("接触者管控天数")),
    "risk_lookback_days": (1, 60, _("风险地区旅居追溯天数")),
    "risk_min_rank": (1, 100, _("赋黄码的最低风险等级序号")),
    "risk_red_rank": (1, 100, _("赋红码的最低风险等级序号")),
    "nat_required_hours": (1, 720, _("核酸阴性有效时长")),
}
NULLABLE = {"risk_red_rank", "nat_required_hours"}


def set_status_policy(*, actor, area, values: dict[str, Any]) -> StatusPolicy:
    """Create or change the policy of ``area``; everyone below it is recomputed on commit."""
    require_perm(actor, "status.change_statuspolicy")
    require_area(actor, area)
    clean = {}
    for name, value in values.items():
        if name not in POLICY_LIMITS:
            raise ValidationError({name: _("未知的策略项")})
        low, high, label = POLICY_LIMITS[name]
        if value in (None, "") and name in NULLABLE:
            clean[name] = None
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not low <= number <= high:
            raise ValidationError(
                {name: _("%(f)s应为 %(lo)d–%(hi)d 的整数") % {"f": label, "lo": low, "hi": high}}
            )
        clean[name] = number
    with transaction.atomic():
        policy = StatusPolicy.objects.select_for_update().filter(area=area).first()
        if policy is None:
            policy = StatusPolicy(area=area, updated_by=actor, **clean)
            _check_ranks(policy)
            policy.save()
            audit.record_create(actor, policy)
        else:
            before = StatusPolicy.objects.get(pk=policy.pk)
            for name, value in clean.items():
                setattr(policy, name, value)
            _check_ranks(policy)
            policy.updated_by = actor
            policy.version = before.version + 1
            policy.save()
            audit.record_update(actor, before, policy)
        generations.bump(generations.STATUS_POLICY)
        transaction.on_commit(
            lambda: recompute_all(cause=_("赋码策略调整"), actor=actor, area=area)
        )
    return policy


def _check_ranks(policy: StatusPolicy) -> None:
    if policy.risk_red_rank is not None and policy.risk_red_rank < policy.risk_min_rank:
        raise ValidationError({"risk_red_rank": _("赋红码的风险等级不能低于赋黄码的风险等级")})
