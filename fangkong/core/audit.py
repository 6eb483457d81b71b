"""The audit writer: every write and sensitive read appends hash-chained entries.

Call ``record`` (or ``record_many`` for bulk writes) inside the transaction that makes the
change; if the transaction rolls back, so do its entries. Personal fields are stored as
ciphertext in ``changes``.

Each entry carries the hash of the previous entry of its chain. SQLite has one chain. On
PostgreSQL a writer appends to the first of ``PG_LANES`` chains that no other transaction
holds: a chain's tip stays locked until the writer's commit has reached the disk, and with
one chain every audited write of the platform waited for the one before it to be flushed.
``verify_chain`` re-checks every chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from . import crypto, sequences
from .models.audit import AuditAction, AuditEntry, AuditHead
from .personal import EncryptedTextField

GENESIS = "0" * 64

# Chains on PostgreSQL: enough that concurrent writers (a server's processes, imports, the
# background jobs) rarely find all of them held.
PG_LANES = 8
ID_SEQUENCE = "core_auditentry_id_seq"  # PostgreSQL: entry ids (migration 0003 creates it)


def lanes(vendor: str) -> int:
    return PG_LANES if vendor == "postgresql" else 1


@dataclass
class Event:
    action: str
    object_type: str
    object_id: str = ""
    object_repr: str = ""
    area_path: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    # ``_dumps(changes)`` when the caller already has it (bulk imports build it directly).
    changes_json: str | None = None


def _canonical(entry: dict) -> bytes:
    return _dumps(entry).encode()


def entry_hash(
    *,
    id,
    timestamp,
    actor_id,
    actor_name,
    action,
    object_type,
    object_id,
    object_repr,
    area_path,
    changes,
    reason,
    prev_hash,
    lane=None,
) -> str:
    payload = {
        "id": id,
        "ts": timestamp.isoformat(),
        "actor_id": actor_id,
        "actor": actor_name,
        "action": action,
        "type": object_type,
        "oid": object_id,
        "repr": object_repr,
        "area": area_path,
        "changes": changes,
        "reason": reason,
        "prev": prev_hash,
    }
    if lane not in (None, 1):  # chain 1's entries hash as they did before there were chains
        payload["lane"] = lane
    return hashlib.sha256(_canonical(payload)).hexdigest()


# One encoder for every entry: ``json.dumps`` with options builds a new one per call.
_dumps = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
).encode
_text = json.encoder.encode_basestring  # a str as ``_dumps`` writes it (C)


def json_scalar(value) -> str:
    """``_dumps(value)`` for a str, int, bool or None, without the encoder's per-call cost."""
    if type(value) is str:
        return _text(value)
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    return _dumps(value)


def _json_column(vendor: str):
    """Already-encoded JSON → the value for the ``changes`` column on this database."""
    if vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return lambda text: Jsonb(text, dumps=str)
    return lambda text: text


@lru_cache(maxsize=4)
def _head_sql(vendor: str) -> tuple[str, str]:
    """(lock-and-read, write) of a chain's tip as plain SQL, built once per process: it runs
    in every audited write, and the ORM's query building was most of its cost. The read gives
    ``(chain, last id, last hash)``; the write takes ``[last id, last hash, chain]``."""
    qn = connection.ops.quote_name
    table = qn(AuditHead._meta.db_table)
    last_id, last_hash = (qn(AuditHead._meta.get_field(f).column) for f in ("last_id", "last_hash"))
    columns = f"{qn('id')}, {last_id}, {last_hash}"
    write = f"UPDATE {table} SET {last_id} = %s, {last_hash} = %s WHERE {qn('id')} = %s"  # noqa: S608
    if vendor != "postgresql":
        return f"SELECT {columns} FROM {table} WHERE {qn('id')} = 1", write  # noqa: S608
    return f"{_free_lane_sql(columns)} LIMIT 1", write


def _free_lane_sql(columns: str) -> str:
    """PostgreSQL: the first chain tip no other transaction holds, locked; when all are held,
    one of them (by the server process, so writers spread) waited for — the second part runs
    only when the first finds no row (the caller takes one: ``LIMIT 1``): ``_lock_head``'s
    and ``append_function_sql``'s."""
    table = connection.ops.quote_name(AuditHead._meta.db_table)
    return (
        f"SELECT * FROM (SELECT {columns} FROM {table} WHERE id <= {PG_LANES} "  # noqa: S608
        "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) free UNION ALL "
        f"SELECT * FROM (SELECT {columns} FROM {table} "
        f"WHERE id = mod(pg_backend_pid(), {PG_LANES}) + 1 FOR UPDATE) held"
    )


def _lock_head() -> tuple[int, int, str]:
    """(chain, last id, last hash) of a chain tip, locked until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(_head_sql(connection.vendor)[0])
        row = cursor.fetchone()
        if row is None:  # a fresh database: the first writer creates the tips
            cursor.execute(ensure_head_sql())
            cursor.execute(_head_sql(connection.vendor)[0])
            row = cursor.fetchone()
    return row[0], row[1], row[2]


def _new_ids(n: int, last_id: int) -> list[int] | range:
    """Ids for ``n`` entries: after the chain's last on SQLite (one chain, no gaps), from the
    shared sequence on PostgreSQL (the chains take turns)."""
    if connection.vendor != "postgresql":
        return range(last_id + 1, last_id + n + 1)
    with connection.cursor() as cursor:
        return sequences.draw(cursor, ID_SEQUENCE, n)


def record_many(actor, events: Sequence[Event], *, batch_size: int = 2000) -> int:
    """Append ``events`` in order to one chain, under one lock of its tip; returns how many."""
    if not events:
        return 0
    now = timezone.now()
    if len(events) == 1 and connection.vendor == "postgresql":
        # The usual case (one audited write): one statement instead of lock, insert, head.
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            params = append_params(actor, events[0], now)
            cursor.execute(append_sql(), params)
            if cursor.fetchone()[0] is None:  # a fresh database: no tip yet, nothing written
                cursor.execute(ensure_head_sql())
                cursor.execute(append_sql(), params)
        return 1
    # No savepoint: a failure here fails the caller's transaction anyway, and a savepoint
    # costs two round trips on every audited write.
    with transaction.atomic(savepoint=False):
        lane, last_id, prev = _lock_head()
        ids = _new_ids(len(events), last_id)
        rows, last = _chained_rows(actor, events, now, lane, ids, prev)
        # The exact column values bulk_create would send (an import writes one entry per
        # row; bulk_create's per-object SQL compiling cost ~60 µs an entry): PostgreSQL
        # takes them as one COPY stream (a statement per entry was most of a million-row
        # import's audit time there), SQLite with executemany.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(_copy_sql()) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                sql = _insert_sql(connection.vendor)
                for start in range(0, len(rows), batch_size):
                    cursor.executemany(sql, rows[start : start + batch_size])
            cursor.execute(_head_sql(connection.vendor)[1], last)
    return len(rows)


# An entry's column values, the same on both write paths (``_chained_rows``, hashed in
# Python, and ``append_params``, hashed by the server).


def _actor_columns(actor) -> tuple[int | None, str]:
    actor_id = actor.pk if actor is not None and actor.pk else None
    return actor_id, actor.get_username() if actor_id else "system"


def _object_columns(ev: Event) -> tuple[str, str]:
    return str(ev.object_id), ev.object_repr[:200]


def _changes_text(ev: Event) -> str:
    """The entry's ``changes`` as JSON text, as stored and hashed (an importer's events carry
    it encoded already; ``changes=None`` is JSON ``null``: the column is never SQL NULL)."""
    return ev.changes_json if ev.changes_json is not None else _dumps(ev.changes)


def _chained_rows(
    actor, events: Sequence[Event], now, lane: int, ids: Iterable[int], prev: str
) -> tuple[list[tuple], list]:
    """The entries' column values (in the order of ``_INSERT_COLUMNS``) with ``ids``, chained
    after ``prev`` in chain ``lane``, and the tip's new ``[last id, last hash, chain]``."""
    actor_id, actor_name = _actor_columns(actor)
    # Column values computed once per call rather than once per entry.
    timestamp_db = AuditEntry._meta.get_field("timestamp").get_db_prep_save(now, connection)
    ts = now.isoformat()
    json_column = _json_column(connection.vendor)
    lane_part = "" if lane == 1 else f',"lane":{lane}'
    lane_column = None if lane == 1 else lane
    rows = []
    # The payload of ``entry_hash`` written out key by key in sorted order (byte for
    # byte what ``_dumps`` gives: a test holds them equal); the parts every entry of
    # this call shares are encoded once.
    actor_part = f'"actor":{json_scalar(actor_name)},"actor_id":{json_scalar(actor_id)}'
    ts_part = f'"ts":{json_scalar(ts)}'
    # Actions, areas and types repeat: the text before ``changes`` per (action, area) and
    # after ``repr`` per type, each encoded once.
    heads: dict[tuple[str, str], str] = {}
    ends: dict[str, str] = {}
    sha256 = hashlib.sha256
    entry_id = None
    for ev, entry_id in zip(events, ids, strict=True):
        object_id, object_repr = _object_columns(ev)
        changes_json = _changes_text(ev)
        head = heads.get((ev.action, ev.area_path))
        if head is None:
            head = heads[ev.action, ev.area_path] = (
                f'{{"action":{_text(ev.action)},{actor_part},"area":{_text(ev.area_path)},'
                '"changes":'
            )
        end = ends.get(ev.object_type)
        if end is None:
            end = ends[ev.object_type] = f',{ts_part},"type":{_text(ev.object_type)}}}'
        text = (
            f'{head}{changes_json},"id":{entry_id}{lane_part},"oid":{_text(object_id)},'
            f'"prev":"{prev}","reason":{_text(ev.reason)},"repr":{_text(object_repr)}{end}'
        )
        h = sha256(text.encode()).hexdigest()
        rows.append(
            (
                entry_id,
                timestamp_db,
                actor_id,
                actor_name,
                ev.action,
                ev.object_type,
                object_id,
                object_repr,
                ev.area_path,
                json_column(changes_json),
                ev.reason,
                prev,
                h,
                lane_column,
            )
        )
        prev = h
    return rows, [entry_id, prev, lane]


_INSERT_COLUMNS = (
    "id",
    "timestamp",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "area_path",
    "changes",
    "reason",
    "prev_hash",
    "hash",
    "lane",
)


def _columns() -> str:
    """The entry's quoted columns in the order of ``_INSERT_COLUMNS``."""
    qn = connection.ops.quote_name
    fields = {f.attname: f for f in AuditEntry._meta.concrete_fields}
    if set(fields) != set(_INSERT_COLUMNS):  # a new column must be given a value above
        raise RuntimeError("AuditEntry columns changed; update audit._INSERT_COLUMNS")
    return ", ".join(qn(fields[name].column) for name in _INSERT_COLUMNS)


@lru_cache(maxsize=4)
def _insert_sql(vendor: str) -> str:
    qn = connection.ops.quote_name
    cols = _columns()
    marks = ", ".join(["%s"] * len(_INSERT_COLUMNS))
    return f"INSERT INTO {qn(AuditEntry._meta.db_table)} ({cols}) VALUES ({marks})"  # noqa: S608


@lru_cache(maxsize=1)
def _copy_sql() -> str:
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    return f"COPY {table} ({_columns()}) FROM STDIN"


def append(p, actor, event: Event, now) -> None:
    """One entry appended on ``p`` (a ``core.pipelined`` transaction, in which the write it
    audits was made). PostgreSQL: the head created if missing and the entry chained by the
    server (``append_sql``), no round trip of its own; SQLite: the head read, the entry and
    the head written on the driver's cursor (the transaction began IMMEDIATE: no other
    writer until it ends)."""
    vendor = p.vendor
    if vendor == "postgresql":
        p.send(ensure_head_sql(), [])
        p.send(append_sql(), append_params(actor, event, now))
        return
    heads = p.fetch(_head_sql(vendor)[0], None)
    if not heads:  # a fresh database: the first writer creates the head
        p.send(ensure_head_sql())
    lane, last_id, prev = heads[0] if heads else (1, 0, GENESIS)
    rows, last = _chained_rows(actor, [event], now, lane, [last_id + 1], prev)
    p.send(_insert_sql(vendor), rows[0])
    p.send(_head_sql(vendor)[1], last)


# --- one entry in one statement (PostgreSQL) ----------------------------------------------
#
# ``record_many`` reads the head (one round trip), hashes in Python, then inserts and moves the
# head. For one entry on PostgreSQL the server can do all of it in one statement — a chain's
# tip locked, the entry's id drawn, its hash computed by ``sha256`` from the canonical payload
# text around the id and previous hash, the tip moved — so the statement can travel with the
# write it audits and the COMMIT, and the tip stays locked only until that COMMIT.


APPEND_FUNCTION = "core_audit_append"
# The parameters the server-side append takes besides the hashed text's pieces, in order.
_GIVEN = tuple(n for n in _INSERT_COLUMNS if n not in ("id", "prev_hash", "hash", "lane"))
_GIVEN_TYPES = {"timestamp": "timestamptz", "actor_id": "bigint"}


def append_function_sql() -> str:
    """PostgreSQL: the function that appends one entry (``append_call``). A function rather
    than parts of the caller's statement: its statements take their own snapshots, so the
    chain tip it locks is current when it reads it — locked from the caller's statement, a
    tip another writer had moved since that statement began made PostgreSQL re-check the
    lock (EvalPlanQual), which set up every part of a large statement a second time."""
    qn = connection.ops.quote_name
    head, entry = qn(AuditHead._meta.db_table), qn(AuditEntry._meta.db_table)
    tip = _free_lane_sql("id AS lane, last_hash AS prev")
    args = ", ".join(f"p_{name} {_GIVEN_TYPES.get(name, 'text')}" for name in _GIVEN)
    values = ", ".join("p_changes::jsonb" if name == "changes" else f"p_{name}" for name in _GIVEN)
    return f"""CREATE OR REPLACE FUNCTION {APPEND_FUNCTION}(
    {args}, p_hash_head text, p_hash_mid text, p_hash_tail text
) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_lane integer;
    v_prev text;
    v_id bigint;
    v_hash text;
BEGIN
    -- A tip, locked (``_free_lane_sql``). No tips yet (a fresh database): NULL.
    SELECT lane, prev INTO v_lane, v_prev FROM ({tip}) t LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    v_id := nextval('{ID_SEQUENCE}');
    v_hash := encode(sha256(convert_to(p_hash_head || p_changes || ',"id":' || v_id::text
        || CASE WHEN v_lane = 1 THEN '' ELSE ',"lane":' || v_lane::text END
        || p_hash_mid || v_prev || p_hash_tail, 'UTF8')), 'hex');
    INSERT INTO {entry} ({_columns()})
        VALUES (v_id, {values}, v_prev, v_hash, NULLIF(v_lane, 1));
    UPDATE {head} SET last_id = v_id, last_hash = v_hash WHERE id = v_lane;
    RETURN v_id;
END
$fn$"""  # noqa: S608 — only quoted identifiers are interpolated


@lru_cache(maxsize=8)
def append_call(changes: str = "%s") -> str:
    """The SQL expression that appends one entry on PostgreSQL and gives its id (NULL when
    the database has no chain tips yet: ``ensure_head_sql``, then again). ``changes`` is the
    SQL of the entry's ``changes`` as text (``_dumps`` of them): a parameter by default; a
    statement that computes them itself (``venues``' single scan counts its outcome) gives an
    expression, and its parameters then come from ``append_params(..., changes_given=False)``.

    The tip stays locked until the COMMIT is flushed: a statement whose own work comes first
    calls this last (``venues.day_counts.COUNTED_FIRST``)."""
    args = ", ".join(
        f"({changes})::text" if name == "changes" else f"%s::{_GIVEN_TYPES.get(name, 'text')}"
        for name in _GIVEN
    )
    return f"{APPEND_FUNCTION}({args}, %s::text, %s::text, %s::text)"


def append_sql() -> str:
    """The statement appending one entry (PostgreSQL); parameters from ``append_params``.
    Its one row holds the entry's id, or NULL when there is no chain tip yet."""
    return f"SELECT {append_call()}"


def ensure_head_sql(vendor: str | None = None) -> str:
    """Creates the chain tips that are missing (a fresh database: the first writer does it;
    migration 0003 for one that had one chain); sent before ``append_sql`` in the same
    exchange, or by ``_lock_head`` when it finds none. Never waits for a tip another
    transaction holds."""
    return _ensure_head_sql(vendor or connection.vendor)


@lru_cache(maxsize=4)
def _ensure_head_sql(vendor: str) -> str:
    qn = connection.ops.quote_name
    tips = ", ".join(f"({n}, 0, '{GENESIS}')" for n in range(1, lanes(vendor) + 1))
    return (
        f"INSERT INTO {qn(AuditHead._meta.db_table)} (id, last_id, last_hash) "  # noqa: S608
        f"VALUES {tips} ON CONFLICT (id) DO NOTHING"
    )


def append_params(actor, ev: Event, now, *, changes_given: bool = True) -> list:
    """``append_call``'s parameters: the entry's columns (``changes`` among them unless the
    statement computes them), then the payload text in three pieces around the changes and
    the id, and the previous hash (the same text ``_chained_hash`` hashes)."""
    actor_id, actor_name = _actor_columns(actor)
    object_id, object_repr = _object_columns(ev)
    head = {"action": ev.action, "actor": actor_name, "actor_id": actor_id, "area": ev.area_path}
    rest = {"reason": ev.reason, "repr": object_repr, "ts": now.isoformat(), "type": ev.object_type}
    columns = [now, actor_id, actor_name, ev.action, ev.object_type, object_id, object_repr]
    columns.append(ev.area_path)
    if changes_given:
        columns.append(_changes_text(ev))
    pieces = [
        f'{_dumps(head)[:-1]},"changes":',
        f',"oid":{_dumps(object_id)},"prev":"',
        f'",{_dumps(rest)[1:]}',
    ]
    return [*columns, ev.reason, *pieces]


def record(actor, event: Event) -> None:
    record_many(actor, [event])


# --- snapshots of model instances -------------------------------------------------------


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):  # JSONField cannot store Decimal; "37.3" keeps its digits
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, FieldFile):  # an uploaded file is audited by its stored name
        return value.name
    return value


SKIP_FIELDS = {"created_at", "updated_at", "version"}


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Audit view of a row: personal fields encrypted, derived search columns left out."""
    data = {}
    for f in instance._meta.concrete_fields:
        if f.name in SKIP_FIELDS or (not f.editable and not isinstance(f, EncryptedTextField)):
            continue
        value = getattr(instance, f.attname)
        if isinstance(f, EncryptedTextField):
            value = crypto.encrypt(value) if value else value
        data[f.name] = _plain(value)
    return data


def diff(before: models.Model, after: models.Model) -> dict[str, list]:
    """``{field: [old, new]}`` for changed fields; personal values compared in plaintext."""
    changes = {}
    for f in after._meta.concrete_fields:
        if f.name in SKIP_FIELDS or (not f.editable and not isinstance(f, EncryptedTextField)):
            continue
        old, new = getattr(before, f.attname), getattr(after, f.attname)
        if old == new:
            continue
        if isinstance(f, EncryptedTextField):
            old, new = crypto.encrypt(old) if old else old, crypto.encrypt(new) if new else new
        changes[f.name] = [_plain(old), _plain(new)]
    return changes


def object_type(instance_or_model) -> str:
    return instance_or_model._meta.label_lower


def area_path_of(instance) -> str:
    field = getattr(type(instance), "scope_field", None)
    if not field:
        return ""
    if field == "pk":  # the area itself
        return getattr(instance, "path", "")
    obj = instance
    for part in field.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return ""
    return getattr(obj, "path", "")


def event_for(instance, action: str, *, changes=None, reason: str = "") -> Event:
    return Event(
        action=action,
        object_type=object_type(instance),
        object_id=str(instance.pk),
        object_repr=getattr(instance, "audit_repr", lambda: str(instance))(),
        area_path=area_path_of(instance),
        changes=changes if changes is not None else {},
        reason=reason,
    )


def record_create(actor, instance, *, reason: str = "") -> None:
    record(
        actor, event_for(instance, AuditAction.CREATE, changes=snapshot(instance), reason=reason)
    )


def record_update(actor, before, after, *, reason: str = "") -> None:
    record(actor, event_for(after, AuditAction.UPDATE, changes=diff(before, after), reason=reason))


def record_delete(actor, instance, *, reason: str = "") -> None:
    record(
        actor, event_for(instance, AuditAction.DELETE, changes=snapshot(instance), reason=reason)
    )


def record_reveal(actor, instance, fields: Iterable[str], *, reason: str = "") -> None:
    record(
        actor,
        event_for(instance, AuditAction.REVEAL, changes={"fields": sorted(fields)}, reason=reason),
    )


# --- verification ---------------------------------------------------------------------


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    problem: str = ""


def verify_chain(*, chunk: int = 5000) -> VerifyResult:
    """Re-hash every entry in id order, each against the one before it in its chain, then
    check every chain's tip; report the first entry that does not fit.

    An entry deleted from the middle of a chain shows at the next entry of that chain (its
    previous hash names one that is gone); the newest entries of a chain deleted, at the tip.
    """
    prev: dict[int, str] = {}  # chain -> hash of its last entry so far
    last: dict[int, int] = {}  # chain -> id of its last entry so far
    checked = last_id = 0
    qs = AuditEntry.objects.order_by("id")
    while True:
        batch = list(qs.filter(id__gt=last_id)[:chunk])
        if not batch:
            break
        for e in batch:
            lane = e.lane or 1
            if e.prev_hash != prev.get(lane, GENESIS):
                return VerifyResult(False, checked, e.id, "prev_hash")
            h = entry_hash(
                id=e.id,
                timestamp=e.timestamp,
                actor_id=e.actor_id,
                actor_name=e.actor_name,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                object_repr=e.object_repr,
                area_path=e.area_path,
                changes=e.changes,
                reason=e.reason,
                prev_hash=e.prev_hash,
                lane=e.lane,
            )
            if h != e.hash:
                return VerifyResult(False, checked, e.id, "hash")
            prev[lane], last[lane], checked = e.hash, e.id, checked + 1
        last_id = batch[-1].id
    tips = {t.pk: t for t in AuditHead.objects.all()}
    for lane in sorted(set(tips) | set(prev)):
        tip = tips.get(lane)
        if tip is None:  # a chain's entries without its tip: the tip was deleted
            return VerifyResult(False, checked, last[lane], "head")
        if (tip.last_id, tip.last_hash) != (last.get(lane, 0), prev.get(lane, GENESIS)):
            # The tip names a newer entry than the chain's last (deleted), or an older one.
            return VerifyResult(False, checked, max(tip.last_id, last.get(lane, 0)), "head")
    return VerifyResult(True, checked)
