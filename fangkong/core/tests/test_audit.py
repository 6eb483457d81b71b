import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fangkong.core import audit
from fangkong.core.models import AuditEntry, AuditHead


@pytest.fixture
def chain(db):
    events = [
        audit.Event(action="create", object_type="test.thing", object_id=str(i), changes={"n": i})
        for i in range(1, 6)
    ]
    audit.record_many(None, events)
    return list(AuditEntry.objects.order_by("id"))


def _raw(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_chain_is_linked_and_its_tip_names_the_last_entry(chain):
    first = chain[0].id
    if connection.vendor == "sqlite":  # one chain numbered by its tip: no gaps
        assert [e.id for e in chain] == [1, 2, 3, 4, 5]
    else:  # ids from a sequence shared by the chains: ascending
        assert [e.id for e in chain] == sorted({e.id for e in chain}) and first >= 1
    assert {e.lane for e in chain} == {None}  # nobody else writing: the first chain
    assert chain[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    head = AuditHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (chain[-1].id, chain[-1].hash)
    assert AuditHead.objects.count() == audit.lanes(connection.vendor)
    assert audit.verify_chain().ok


AWKWARD = [
    {},
    {"name": ["张三", "張三"], "quote": 'a"b\\c', "nested": {"z": 1, "a": [None, True]}},
    {"reason": "\u2028 line", "n": 1.5, "empty": ""},
]


def test_single_entries_verify_whoever_hashes_them(db, users):
    # One entry at a time takes PostgreSQL's one-statement path (the server hashes the payload
    # text around the id and previous hash); the first creates the head. Python re-hashes.
    _raw("DELETE FROM core_auditentry")  # whatever the fixtures' writes left; no head either
    _raw("DELETE FROM core_audithead")
    for i, changes in enumerate(AWKWARD):
        event = audit.Event(
            action="update",
            object_type="test.thing",
            object_id=f'{i}"\\',
            object_repr='张*「引号"」',
            area_path="510400.510402",
            changes=changes,
            reason="核对 \\ 100%",
        )
        audit.record(users["command"] if i % 2 else None, event)
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.changes for e in entries] == AWKWARD
    assert [e.actor_name for e in entries] == ["system", "command", "system"]
    assert len(entries) == 3 and {e.lane for e in entries} == {None}  # one chain
    assert entries[0].prev_hash == audit.GENESIS
    assert audit.verify_chain() == audit.VerifyResult(True, 3)


def test_entries_hashed_from_their_encoded_changes_verify(db):
    # record_many hashes the JSON it stores; verify re-hashes the stored values field by field.
    awkward = [
        {},
        {"name": ["张三", "張三"], "quote": 'a"b\\c', "nested": {"z": 1, "a": [None, True]}},
        {"reason": "\u2028 line", "n": 1.5, "empty": ""},
    ]
    events = [
        audit.Event(
            action="update",
            object_type="test.thing",
            object_id=str(i),
            object_repr="张*",
            area_path="510400.510402",
            changes=changes,
            reason="核对",
        )
        for i, changes in enumerate(awkward)
    ]
    audit.record_many(None, events)
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.changes for e in entries] == awkward
    for e in entries:
        assert e.hash == audit.entry_hash(
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
        )
    assert audit.verify_chain().ok


@pytest.mark.parametrize("who", ["system", "user"])
def test_payload_written_key_by_key_hashes_like_entry_hash(db, users, who):
    # record_many writes the hashed payload itself (no per-entry json.dumps of it): every
    # scalar that JSON escapes must come out as entry_hash encodes it; the second entry
    # brings its changes already encoded, as the import engine does.
    actor = users["community"] if who == "user" else None
    odd = 'q"b\\s\n\t\x01\u2028 張三 😷'
    events = [
        audit.Event(
            action=audit.AuditAction.UPDATE,
            object_type="test.thing",
            object_id=odd,
            object_repr=odd,
            area_path=odd,
            changes={"a": odd},
            reason=odd,
        ),
        audit.Event(
            action="create",
            object_type="test.thing",
            object_id="7",
            changes={},
            changes_json=audit._dumps({"b": [1, None], "a": odd}),
        ),
    ]
    audit.record_many(actor, events)
    entries = list(AuditEntry.objects.order_by("id"))
    assert entries[1].changes == {"a": odd, "b": [1, None]}
    assert [e.actor_name for e in entries] == [actor.username if actor else "system"] * 2
    assert audit.verify_chain().ok


def test_entries_cannot_be_changed_through_the_app(chain):
    entry = chain[0]
    entry.reason = "edited"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=1).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_tampered_content_is_caught_at_that_entry(chain):
    _raw("UPDATE core_auditentry SET reason = %s WHERE id = %s", ["sneaky", chain[2].id])
    result = audit.verify_chain()
    assert (result.ok, result.broken_id, result.problem, result.checked) == (
        False,
        chain[2].id,
        "hash",
        2,
    )


def test_rehashed_tampering_is_caught_at_the_next_entry(chain):
    e = chain[2]
    forged = audit.entry_hash(
        id=e.id,
        timestamp=e.timestamp,
        actor_id=e.actor_id,
        actor_name=e.actor_name,
        action=e.action,
        object_type=e.object_type,
        object_id=e.object_id,
        object_repr=e.object_repr,
        area_path=e.area_path,
        changes={"n": 99},
        reason=e.reason,
        prev_hash=e.prev_hash,
    )
    _raw(
        "UPDATE core_auditentry SET changes = %s, hash = %s WHERE id = %s",
        ['{"n": 99}', forged, e.id],
    )
    result = audit.verify_chain()
    assert (result.ok, result.broken_id, result.problem) == (False, chain[3].id, "prev_hash")


def test_deleted_middle_entry_is_caught_at_the_next(chain):
    _raw("DELETE FROM core_auditentry WHERE id = %s", [chain[1].id])
    result = audit.verify_chain()
    assert (result.ok, result.broken_id, result.problem) == (False, chain[2].id, "prev_hash")


def test_truncated_tail_is_caught_by_the_head(chain):
    _raw("DELETE FROM core_auditentry WHERE id = %s", [chain[-1].id])
    result = audit.verify_chain()
    assert (result.ok, result.broken_id, result.problem) == (False, chain[-1].id, "head")


def test_a_deleted_tip_is_caught(chain):
    _raw("DELETE FROM core_audithead WHERE id = 1")
    result = audit.verify_chain()
    assert (result.ok, result.broken_id, result.problem) == (False, chain[-1].id, "head")


def test_verify_audit_command(chain, capsys):
    call_command("verify_audit")
    assert "5" in capsys.readouterr().out
    _raw("UPDATE core_auditentry SET object_id = %s WHERE id = %s", ["44", chain[3].id])
    with pytest.raises(CommandError) as e:
        call_command("verify_audit")
    assert f"编号 {chain[3].id} 的记录" in str(e.value)
    assert e.value.returncode == 3


def test_rolled_back_transaction_leaves_no_entries(db):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(None, audit.Event(action="create", object_type="t.t", object_id="1"))
        raise RuntimeError
    assert AuditEntry.objects.count() == 0
    audit.record(None, audit.Event(action="create", object_type="t.t", object_id="2"))
    assert list(AuditEntry.objects.values_list("object_id", flat=True)) == ["2"]
    assert audit.verify_chain().ok  # a rolled-back id (PostgreSQL's sequence) breaks nothing


def test_the_log_stores_each_id_once_and_its_changes_unparsed_by_sqlite(db):
    """SQLite: ``id`` is the rowid (no second copy in a unique index every insert updates)
    and ``changes`` has no ``JSON_VALID`` check; PostgreSQL: one index on ``id``, ``jsonb``."""
    audit.record(None, audit.Event(action="create", object_type="t.t", changes={"a": [1, "二"]}))
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT sql FROM sqlite_master WHERE name = 'core_auditentry'")
            table_sql = cur.fetchone()[0]
            assert '"id" integer NOT NULL PRIMARY KEY' in table_sql
            assert "JSON_VALID" not in table_sql
            cur.execute("PRAGMA index_list(core_auditentry)")
            assert not [row for row in cur.fetchall() if row[3] == "pk"]  # origin: the key
            cur.execute("SELECT rowid = id FROM core_auditentry")
            assert cur.fetchone()[0] == 1
        else:
            cur.execute(
                "SELECT count(*) FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid "
                "AND a.attnum = ANY(x.indkey) WHERE x.indrelid = 'core_auditentry'::regclass "
                "AND a.attname = 'id'"
            )
            assert cur.fetchone()[0] == 1
            cur.execute(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'core_auditentry' AND column_name = 'changes'"
            )
            assert cur.fetchone()[0] == "jsonb"
    assert AuditEntry.objects.get().changes == {"a": [1, "二"]}
    assert audit.verify_chain().ok
