"""``core.pipelined``: a short transaction of plain statements on either database — whole or
not at all, Django's errors, the audit entries it appends chained like ``record``'s."""

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from fangkong.core import audit, pipelined
from fangkong.core.models import AuditEntry, AuditHead

AWKWARD = [
    {},
    {"name": ["张三", "張三"], "quote": 'a"b\\c', "nested": {"z": 1, "a": [None, True]}},
    {"reason": "\u2028 line", "n": 1.5, "100%": "%s"},
]


def _event(i: int, changes: dict) -> audit.Event:
    return audit.Event(
        action="update",
        object_type="test.thing",
        object_id=f'{i}"\\',
        object_repr='张*「引号"」',
        area_path="510400.510402",
        changes=changes,
        reason="核对 \\ 100%",
    )


def _clear_audit() -> None:
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry")  # whatever the fixtures' writes left
        cur.execute("DELETE FROM core_audithead")


@pytest.mark.django_db(transaction=True)
def test_a_short_transaction_commits_whole_or_not_at_all(users):
    """In autocommit: BEGIN and COMMIT are the pipeline's own, and a failing statement takes
    everything sent before it back, leaving the connection usable."""
    _clear_audit()
    assert connection.get_autocommit()
    with pipelined.transaction() as p:
        audit.append(p, users["command"], _event(0, AWKWARD[0]), timezone.now())
    assert AuditEntry.objects.count() == 1
    duplicate_head = "INSERT INTO core_audithead (id, last_id, last_hash) VALUES (%s, %s, %s)"
    with pytest.raises(IntegrityError), pipelined.transaction() as p:
        audit.append(p, users["command"], _event(1, AWKWARD[1]), timezone.now())
        p.send(duplicate_head, [1, 0, audit.GENESIS])
    assert connection.get_autocommit()
    assert AuditEntry.objects.count() == 1
    assert AuditHead.objects.get(pk=1).last_id == AuditEntry.objects.get().pk
    assert audit.verify_chain() == audit.VerifyResult(True, 1)


def test_entries_appended_on_a_pipeline_chain_with_records(db, users):
    """``append`` (a single scan's audit entry) from a fresh database, between entries of
    ``record_many``: one chain, which Python re-hashes entry by entry."""
    _clear_audit()
    now = timezone.now()
    for i, changes in enumerate(AWKWARD):
        with pipelined.transaction() as p:  # the test's transaction: no BEGIN of its own
            audit.append(p, users["command"] if i % 2 else None, _event(i, changes), now)
        audit.record_many(None, [_event(10 + i, changes), _event(20 + i, changes)])
    entries = list(AuditEntry.objects.order_by("id"))
    assert len(entries) == 9 and {e.lane for e in entries} == {None}
    assert [e.changes for e in entries[::3]] == AWKWARD
    assert [e.actor_name for e in entries[::3]] == ["system", "command", "system"]
    assert entries[0].prev_hash == audit.GENESIS
    assert audit.verify_chain() == audit.VerifyResult(True, 9)


def test_an_entry_without_changes_is_stored_alike_on_both_paths(db, users):
    """``append`` and ``record_many`` store an entry without changes as JSON ``null`` (the
    batch path once meant SQL NULL, which the column refuses) and hash it the same way."""
    _clear_audit()
    event = _event(0, {})
    event.changes = None
    with pipelined.transaction() as p:
        audit.append(p, users["command"], event, timezone.now())
    audit.record_many(users["command"], [event])
    assert [e.changes for e in AuditEntry.objects.order_by("id")] == [None, None]
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM core_auditentry WHERE changes IS NULL")
        assert cur.fetchone()[0] == 0
    assert audit.verify_chain() == audit.VerifyResult(True, 2)


def test_fetch_reads_what_a_django_cursor_reads(db, users):
    sql = "SELECT username, is_active FROM accounts_user WHERE username IN (%s, %s) ORDER BY 1"
    params = ["command", "nobody"]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        expected = [tuple(row) for row in cur.fetchall()]
    assert expected == [("command", True)]
    assert [tuple(row) for row in pipelined.fetch(sql, params)] == expected
    assert [tuple(row) for row in pipelined.fetch(sql, params)] == expected  # prepared now


@pytest.mark.postgres
def test_long_statements_are_converted_once_and_as_psycopg_does(db):
    """A statement beyond psycopg's own conversion cache (over 4 kB, over 50 parameters) is
    converted once per text, to what psycopg gives, and answers the same on every run."""
    from psycopg._queries import PostgresQuery
    from psycopg.adapt import Transformer

    params = [*range(60), "100%", 'a"b']
    pad = " " * 4000  # a long statement, as the single scan's is
    sql = f"SELECT {', '.join(['%s::int'] * 60)}, %s::text || '%%', %s::text {pad}"
    for _ in range(3):
        assert pipelined.fetch(sql, params) == [(*range(60), "100%%", 'a"b')]
    raw = connection.connection
    converted = pipelined._cursor_class()._query_cls(Transformer(raw))
    converted.convert(sql, params)
    theirs = PostgresQuery(Transformer(raw))
    theirs.convert(sql, params)
    assert (converted.query, converted.params, converted.types) == (
        theirs.query,
        theirs.params,
        theirs.types,
    )
    assert (sql, raw.info.encoding) in pipelined._converted or len(pipelined._converted) >= (
        pipelined.CONVERTED_MAX
    )


class _FileDatabase:
    """What ``_writer_queue`` reads of a connection to a SQLite file."""

    def __init__(self, name):
        self.settings_dict = {"NAME": name}

    def is_in_memory_db(self) -> bool:
        return False


@pytest.mark.skipif(pipelined.fcntl is None, reason="no fcntl (Windows): no writer queue")
def test_sqlite_writers_queue_one_at_a_time(tmp_path):
    """Short write transactions on one SQLite file queue on its lock file: a second writer
    (another thread, as in another process) goes in only when the first is out."""
    import threading

    database = _FileDatabase(tmp_path / "db.sqlite3")
    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        with pipelined._writer_queue(database):
            order.append("first in")
            inside.set()
            release.wait(10)
            order.append("first out")

    def second():
        with pipelined._writer_queue(database):
            order.append("second in")

    a = threading.Thread(target=first)
    a.start()
    assert inside.wait(10)
    b = threading.Thread(target=second)
    b.start()
    b.join(0.3)
    assert b.is_alive() and order == ["first in"]  # waiting in the queue
    release.set()
    a.join(10)
    b.join(10)
    assert order == ["first in", "first out", "second in"]
    assert (tmp_path / "db.sqlite3-writers").exists()


def test_no_writer_queue_for_an_in_memory_database():
    class InMemory(_FileDatabase):
        def is_in_memory_db(self) -> bool:
            return True

    assert pipelined._queue_file(InMemory(":memory:")) is None
