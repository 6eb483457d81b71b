"""Planner statistics (core.dbstats): every index of a table with rows is covered after
``refresh``, a later index or a grown table is found stale, and a large import refreshes."""

from __future__ import annotations

import datetime
import random

from django.db import connection

from fangkong.core import dbstats
from fangkong.core.importing import engine, run_import
from fangkong.core.testing.factories import make_id_number
from fangkong.registry.models import Resident


def _sqlite_stats(table: str) -> dict[str, str]:
    with connection.cursor() as c:
        c.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        return dict(c.fetchall())


def _table(rows: int) -> None:
    with connection.cursor() as c:
        c.execute("CREATE TABLE t_stats (id integer PRIMARY KEY, a integer, b integer)")
        c.execute("CREATE INDEX t_stats_a ON t_stats (a)")
    _add(rows)


def _add(rows: int, first: int = 1) -> None:
    with connection.cursor() as c:
        c.executemany(
            "INSERT INTO t_stats (id, a, b) VALUES (%s, %s, %s)",
            [(i, i % 7, i) for i in range(first, first + rows)],
        )


def _postgres_analysed(table: str) -> bool:
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [table])
        return c.fetchone()[0] > 0


def _grown_small_table() -> None:
    """t_small marked small while empty, then grown to 300 rows."""
    with connection.cursor() as c:
        c.execute("CREATE TABLE t_small (id integer PRIMARY KEY, a integer)")
        c.execute("CREATE INDEX t_small_a ON t_small (a)")
    dbstats.refresh()
    with connection.cursor() as c:
        c.executemany(
            "INSERT INTO t_small (id, a) VALUES (%s, %s)", [(i, i) for i in range(1, 301)]
        )
    assert _sqlite_stats("t_small") == {"t_small_a": "1 1"}


def test_refresh_covers_a_new_index_and_a_grown_table(db):
    if connection.vendor == "postgresql":
        # Autovacuum keeps the rest: only the tables named are analysed.
        _table(50)
        assert dbstats.refresh(tables=["t_stats"]) == ["t_stats"]
        assert _postgres_analysed("t_stats")
        return
    with connection.cursor() as c:
        c.execute("CREATE TABLE t_empty (id integer PRIMARY KEY, a integer)")
        c.execute("CREATE INDEX t_empty_a ON t_empty (a)")
    _table(50)
    stale = dbstats.stale_tables()
    assert "t_stats" in stale
    assert "t_empty" not in stale  # no rows, no statistics to take
    assert "t_stats" in dbstats.refresh()
    assert set(_sqlite_stats("t_stats")) == {"t_stats_a"}
    assert "t_stats" not in dbstats.stale_tables()

    with connection.cursor() as c:
        c.execute("CREATE INDEX t_stats_b ON t_stats (b)")  # a migration's new index
    assert "t_stats" in dbstats.stale_tables()
    dbstats.refresh()
    assert set(_sqlite_stats("t_stats")) == {"t_stats_a", "t_stats_b"}
    assert "t_stats" not in dbstats.stale_tables()

    _add(2000, first=51)
    assert "t_stats" in dbstats.stale_tables()  # 2,050 rows against statistics of 50
    dbstats.refresh()
    assert _sqlite_stats("t_stats")["t_stats_a"] == "2050 293"  # 2,050 rows, 7 values of a
    assert dbstats.stale_tables() == []

    # A partial index holding no entry yet gets no statistics from ANALYZE (the residents'
    # household index after an import of people in no household): not stale for that.
    with connection.cursor() as c:
        c.execute("CREATE INDEX t_stats_none ON t_stats (b) WHERE b < 0")
    dbstats.refresh(tables=["t_stats"])
    assert "t_stats_none" not in _sqlite_stats("t_stats")
    assert dbstats.stale_tables() == []


def test_an_empty_table_is_planned_as_small_until_it_grows(db):
    """ANALYZE leaves an empty table without statistics, and SQLite then plans as if it held
    a million rows; ``refresh`` gives its indexes one-row statistics instead, and analyses it
    for real once it has grown past them."""
    if connection.vendor == "postgresql":
        return  # autovacuum's; PostgreSQL plans an empty table from its pages
    with connection.cursor() as c:
        c.execute("CREATE TABLE t_empty (id integer PRIMARY KEY, a integer, b integer)")
        c.execute("CREATE INDEX t_empty_ab ON t_empty (a, b)")
        c.execute("CREATE TABLE t_big (id integer PRIMARY KEY, a integer)")
        c.execute("CREATE INDEX t_big_a ON t_big (a)")
        c.executemany("INSERT INTO t_big (id, a) VALUES (%s, %s)", [(i, i) for i in range(1, 501)])
    assert "t_empty" not in dbstats.refresh()  # nothing to analyse in it
    assert _sqlite_stats("t_empty") == {"t_empty_ab": "1 1 1"}
    with connection.cursor() as c:  # a join of the two starts from the small one
        c.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM t_big JOIN t_empty ON t_empty.a = t_big.a "
            "WHERE t_big.a > 0"
        )
        first = c.fetchall()[0][-1]
    assert first.startswith("SCAN t_empty"), first
    with connection.cursor() as c:
        c.executemany(
            "INSERT INTO t_empty (id, a, b) VALUES (%s, %s, %s)",
            [(i, i, i) for i in range(1, 1100)],
        )
    assert "t_empty" in dbstats.stale_tables()  # 1,099 rows against statistics of one
    dbstats.refresh()
    assert _sqlite_stats("t_empty") == {"t_empty_ab": "1099 1 1"}


def test_migrate_refreshes_the_statistics(users):
    """A table with rows and no statistics for its indexes (a migration's new index):
    ``migrate`` (``post_migrate``) takes them."""
    from django.core.management import call_command

    if connection.vendor == "postgresql":
        call_command("migrate", verbosity=0)  # autovacuum's job there: nothing named
        assert dbstats.refresh() == []
        return
    with connection.cursor() as c:
        c.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'accounts_user'")
    assert "accounts_user" in dbstats.stale_tables()
    call_command("migrate", verbosity=0)
    assert dbstats.stale_tables() == []
    assert _sqlite_stats("accounts_user")["sqlite_autoindex_accounts_user_1"].startswith(
        f"{len(users)} "
    )


def test_a_large_import_refreshes_the_statistics(tmp_path, users, areas, monkeypatch):
    monkeypatch.setattr(engine, "STATS_MIN_ROWS", 5)
    rng = random.Random(5)
    lines = ["姓名,身份证号,网格"]
    for i in range(8):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(15000))
        lines.append(f"李{i}华,{make_id_number(birth=birth, rng=rng)},第一网格")
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = Resident._meta.db_table
    result = run_import(
        "registry.resident", path, actor=users["community"], area=areas["community"]
    )
    assert result.committed and result.created == 8
    if connection.vendor == "postgresql":
        assert _postgres_analysed(table)
    else:
        assert _sqlite_stats(table)  # every index of the residents' table has its row
        assert table not in dbstats.stale_tables()


def test_a_table_marked_small_is_analysed_once_it_holds_hundreds_of_rows(db):
    """A table marked small while empty (one-row statistics) that the city filled through the
    pages — 839 areas, 833 volunteers — is analysed at the next refresh, not left planned as
    one row until it passes a thousand: SQLite joined such tables by scanning each inside the
    other (a city's 48 party-member reports: 22–38 s)."""
    if connection.vendor == "postgresql":
        return  # autovacuum's
    with connection.cursor() as c:
        c.execute("CREATE TABLE t_small (id integer PRIMARY KEY, a integer)")
        c.execute("CREATE INDEX t_small_a ON t_small (a)")
    dbstats.refresh()
    assert _sqlite_stats("t_small") == {"t_small_a": "1 1"}
    with connection.cursor() as c:
        c.executemany("INSERT INTO t_small (id, a) VALUES (%s, %s)", [(i, i) for i in range(1, 40)])
    assert "t_small" not in dbstats.stale_tables()  # a few dozen rows plan alike
    with connection.cursor() as c:
        c.executemany(
            "INSERT INTO t_small (id, a) VALUES (%s, %s)", [(i, i) for i in range(40, 301)]
        )
    assert "t_small" in dbstats.stale_tables()
    assert "t_small" in dbstats.refresh()
    assert _sqlite_stats("t_small") == {"t_small_a": "300 1"}


def test_the_worker_refreshes_the_statistics_when_it_starts(db, monkeypatch):
    """``fangkong worker`` (which ``serve`` starts) analyses the tables that outgrew their
    statistics through the pages, which no import or migration does."""
    from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

    from fangkong.core.management.commands.worker import Command as WorkerCommand

    if connection.vendor == "postgresql":
        return  # autovacuum's
    monkeypatch.setattr(DbWorkerCommand, "handle", lambda self, *args, **options: None)
    _grown_small_table()
    WorkerCommand().handle()  # the test settings run tasks at once: no database backend
    assert _sqlite_stats("t_small") == {"t_small_a": "300 1"}


def test_any_import_refreshes_a_table_that_outgrew_its_statistics(
    tmp_path, users, areas, monkeypatch
):
    """A small file (a city's areas, its accounts) does not analyse its own table outright,
    but a table it or the pages grew past its statistics is analysed once it commits."""
    if connection.vendor == "postgresql":
        return  # autovacuum's
    _grown_small_table()
    path = tmp_path / "r.csv"
    birth = datetime.date(1970, 5, 1)
    path.write_text(f"姓名,身份证号,网格\n李华,{make_id_number(birth=birth)},第一网格\n")
    result = run_import(
        "registry.resident", path, actor=users["community"], area=areas["community"]
    )
    assert result.committed and result.created == 1
    assert _sqlite_stats("t_small") == {"t_small_a": "300 1"}


def test_the_worker_looks_again_while_it_runs(transactional_db):
    """A server runs for weeks after the city filled its areas and tokens: the worker's thread
    refreshes every few minutes, not only when it starts. (SQLite planned every API token's
    area look-up from one-row statistics as a scan of the whole area table.)"""
    import time

    if connection.vendor == "postgresql":
        return  # autovacuum's
    try:
        _grown_small_table()
        stop = dbstats.start_watching(every=0.05)
        try:
            deadline = time.monotonic() + 10
            while _sqlite_stats("t_small") != {"t_small_a": "300 1"}:
                assert time.monotonic() < deadline, "the watching thread did not refresh"
                time.sleep(0.05)
        finally:
            stop.set()
    finally:
        with connection.cursor() as c:
            c.execute("DROP TABLE IF EXISTS t_small")
