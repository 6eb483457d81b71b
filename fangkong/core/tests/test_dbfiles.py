"""The embedded database is readable by the platform's user only; a new var/ is private."""

import contextlib
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from fangkong.core import dbfiles


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.django_db
def test_a_readable_sqlite_file_and_its_wal_are_made_private(tmp_path):
    name = tmp_path / "fangkong.sqlite3"
    for path in (name, tmp_path / "fangkong.sqlite3-wal"):
        path.write_bytes(b"")
        os.chmod(path, 0o644)
    settings = connections["default"].settings_dict | {
        "NAME": str(name),
        "ENGINE": "django.db.backends.sqlite3",
        "OPTIONS": {},
    }
    wrapper = DatabaseWrapper(settings, alias="private-test")
    dbfiles._done.discard(str(name))
    wrapper.connect()
    try:
        assert _mode(name) == 0o600
        assert _mode(tmp_path / "fangkong.sqlite3-wal") == 0o600
    finally:
        wrapper.close()


def test_a_new_var_directory_is_private(tmp_path):
    from fangkong.settings.secrets import load_secrets

    var = tmp_path / "var"
    load_secrets(var)
    assert _mode(var) == 0o700
    assert _mode(var / "secrets.json") == 0o600


def _sqlite_settings(monkeypatch, name) -> dict:
    """The deployment's SQLite settings (``settings.base``) for the database at ``name``."""
    from fangkong.settings.base import _database_from_env

    monkeypatch.delenv("DATABASE_URL", raising=False)
    return connections["default"].settings_dict | _database_from_env() | {"NAME": str(name)}


def _rows_in_the_database_file(name) -> int | None:
    """Rows of ``t`` in the database file itself, the write-ahead log ignored; ``None`` while
    a checkpoint is writing the file (read as it is, it is not yet a whole database)."""
    uri = f"{name.resolve().as_uri()}?immutable=1"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
        try:
            return con.execute("SELECT count(*) FROM t").fetchone()[0]
        except sqlite3.DatabaseError:
            return None


COMMITS = 60


@pytest.mark.django_db
def test_a_commit_leaves_the_log_to_the_servers_checkpointer(tmp_path, monkeypatch):
    """A commit no longer copies the write-ahead log into the database at 1,000 pages (while
    every other writer waits); a server process's checkpointer copies it between requests."""
    name = tmp_path / "fangkong.sqlite3"
    wrapper = DatabaseWrapper(_sqlite_settings(monkeypatch, name), alias="checkpoint-test")
    wrapper.connect()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == 20_000
            cursor.execute("CREATE TABLE t (x TEXT)")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the empty table in the file
            for _ in range(COMMITS):  # ~1,500 pages in the log, 25 a commit
                cursor.execute(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)"
                    " INSERT INTO t SELECT hex(randomblob(1000)) FROM n"
                )
        # Still all in the log: the commits copied nothing.
        assert _rows_in_the_database_file(name) == 0
        monkeypatch.setattr(dbfiles, "CHECKPOINT_SECONDS", 0.01)
        stop = dbfiles.start_checkpointer(wrapper.settings_dict)
        assert stop is not None
        try:
            assert dbfiles.start_checkpointer(wrapper.settings_dict) is None  # one a process
            deadline = time.monotonic() + 10
            while _rows_in_the_database_file(name) != COMMITS * 50 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert _rows_in_the_database_file(name) == COMMITS * 50
        finally:
            stop.set()
    finally:
        wrapper.close()


def test_no_checkpointer_for_postgresql_memory_or_a_missing_file(tmp_path, monkeypatch):
    sqlite = {"ENGINE": "django.db.backends.sqlite3"}
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}
    assert dbfiles.start_checkpointer(postgres) is None
    assert dbfiles.start_checkpointer(sqlite | {"NAME": ":memory:"}) is None
    assert dbfiles.start_checkpointer(sqlite | {"NAME": "file:memdb1?mode=memory"}) is None
    # A database not there (moved away for a restore) is waited for, never created empty.
    monkeypatch.setattr(dbfiles, "CHECKPOINT_SECONDS", 0.01)
    missing = tmp_path / "gone.sqlite3"
    stop = dbfiles.start_checkpointer(sqlite | {"NAME": str(missing)})
    assert stop is not None
    time.sleep(0.2)
    stop.set()
    assert not missing.exists()


def _journal_mode(wrapper) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        return cursor.fetchone()[0]


@pytest.fixture
def alone(tmp_path, monkeypatch):
    """A connection with the deployment's settings to a new database holding a table ``t``."""
    name = tmp_path / "fangkong.sqlite3"
    wrapper = DatabaseWrapper(_sqlite_settings(monkeypatch, name), alias="direct-test")
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x TEXT)")
    yield wrapper
    wrapper.close()


@pytest.mark.django_db
def test_a_bulk_load_alone_writes_straight_into_the_database_then_wal_mode_is_back(alone):
    name = Path(alone.settings_dict["NAME"])
    assert _journal_mode(alone) == "wal"
    with dbfiles.rollback_journal_while_alone(alone) as direct:
        assert direct
        assert _journal_mode(alone) == "delete"
        assert not Path(f"{name}-wal").exists()  # the log was copied in and removed
        with alone.cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("INSERT INTO t SELECT hex(randomblob(100)) FROM t UNION ALL SELECT 'a'")
            cursor.execute("COMMIT")
        assert _rows_in_the_database_file(name) == 1  # in the file itself, no log
    assert _journal_mode(alone) == "wal"


@pytest.mark.django_db
def test_a_bulk_load_keeps_the_log_while_another_connection_is_open_and_does_not_wait(alone):
    name = alone.settings_dict["NAME"]
    with contextlib.closing(sqlite3.connect(name, timeout=30)) as other:  # a server, say
        other.execute("SELECT count(*) FROM t").fetchone()
        started = time.monotonic()
        with dbfiles.rollback_journal_while_alone(alone) as direct:
            # Refused at once: the deployment's 30 s busy timeout is not sat out.
            assert time.monotonic() - started < 10
            assert not direct
            assert _journal_mode(alone) == "wal"
    assert _journal_mode(alone) == "wal"


@pytest.mark.django_db
def test_a_failed_bulk_load_gets_wal_mode_back(alone):
    with pytest.raises(RuntimeError), dbfiles.rollback_journal_while_alone(alone) as direct:
        assert direct
        raise RuntimeError("the import failed")
    assert _journal_mode(alone) == "wal"


@pytest.mark.django_db
def test_no_switch_inside_a_transaction_or_for_memory(alone, monkeypatch):
    alone.set_autocommit(False)
    alone.in_atomic_block = True  # what atomic() sets on a registered connection
    try:
        with dbfiles.rollback_journal_while_alone(alone) as direct:
            assert not direct
            assert _journal_mode(alone) == "wal"
    finally:
        alone.in_atomic_block = False
        alone.rollback()
        alone.set_autocommit(True)
    memory = DatabaseWrapper(
        _sqlite_settings(monkeypatch, ":memory:") | {"OPTIONS": {}}, alias="memory-test"
    )
    try:
        with dbfiles.rollback_journal_while_alone(memory) as direct:
            assert not direct
    finally:
        memory.close()
