"""PostgreSQL's several audit chains: a writer takes a chain tip no other transaction holds,
so audited writes do not queue behind each other's commits; every chain verifies on its own
and tampering across chains is caught."""

import threading

import pytest
from django.db import connection, connections

from fangkong.core import audit
from fangkong.core.models import AuditEntry, AuditHead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _event(n: int) -> audit.Event:
    return audit.Event(
        action="create", object_type="test.thing", object_id=str(n), changes={"n": n}
    )


@pytest.fixture
def other(pg_sessions):
    """A second session, as another server process would have."""
    return pg_sessions()


def _hold_tips(conn, lanes) -> None:
    with connection.cursor() as cur:  # a flushed test database has none yet
        cur.execute(audit.ensure_head_sql())
    conn.execute(
        "SELECT id FROM core_audithead WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [list(lanes)]
    )


def test_a_writer_takes_a_free_chain_while_another_holds_the_first(other):
    audit.record(None, _event(1))  # chain 1
    _hold_tips(other, [1])
    audit.record(None, _event(2))  # the one-statement path: chain 1 is held, so chain 2
    audit.record_many(None, [_event(3), _event(4)])  # the bulk path, likewise
    other.rollback()
    audit.record(None, _event(5))  # chain 1 is free again
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.object_id, e.lane) for e in entries] == [
        ("1", None),
        ("2", 2),
        ("3", 2),
        ("4", 2),
        ("5", None),
    ]
    assert entries[1].prev_hash == audit.GENESIS  # chain 2 starts here
    assert entries[2].prev_hash == entries[1].hash
    assert entries[4].prev_hash == entries[0].hash  # chain 1 goes on past chain 2's entries
    tips = {t.pk: (t.last_id, t.last_hash) for t in AuditHead.objects.all()}
    assert tips[1] == (entries[4].id, entries[4].hash)
    assert tips[2] == (entries[3].id, entries[3].hash)
    assert len(tips) == audit.PG_LANES
    assert audit.verify_chain() == audit.VerifyResult(True, 5)


def test_with_every_chain_held_a_writer_waits_for_one(other):
    _hold_tips(other, range(1, audit.PG_LANES + 1))
    done = []

    def write():
        try:
            audit.record(None, _event(1))
            done.append(True)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(1.0)
    assert not done  # waiting, not failing and not writing outside a chain
    other.rollback()
    writer.join(30)
    assert done and AuditEntry.objects.count() == 1
    assert audit.verify_chain().ok


def _two_chains(other) -> list[AuditEntry]:
    audit.record(None, _event(1))
    _hold_tips(other, [1])
    audit.record_many(None, [_event(2), _event(3)])
    other.rollback()
    audit.record(None, _event(4))
    return list(AuditEntry.objects.order_by("id"))


def _raw(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_an_entry_moved_to_another_chain_is_caught(other):
    entries = _two_chains(other)
    _raw("UPDATE core_auditentry SET lane = NULL WHERE id = %s", [entries[2].id])
    result = audit.verify_chain()
    assert (result.ok, result.broken_id) == (False, entries[2].id)


def test_a_chains_deleted_newest_entry_is_caught_at_its_tip(other):
    entries = _two_chains(other)
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[2].id])
    result = audit.verify_chain()
    assert (result.ok, result.broken_id, result.problem) == (False, entries[2].id, "head")


def test_a_deleted_entry_in_a_chain_is_caught_at_the_next_of_that_chain(other):
    entries = _two_chains(other)
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[1].id])
    result = audit.verify_chain()
    assert (result.ok, result.broken_id, result.problem) == (False, entries[2].id, "prev_hash")


def test_the_databases_append_function_is_the_one_the_code_writes():
    """``core_audit_append`` was created by a migration from the code of its day: a change
    to the entry's columns or its hash needs a migration that creates it again."""
    with connection.cursor() as cur:
        cur.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [audit.APPEND_FUNCTION])
        (stored,) = cur.fetchone()
    assert stored == audit.append_function_sql().split("$fn$")[1]
