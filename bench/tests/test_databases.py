"""A loaded PostgreSQL city saved as a data directory starts again: in place for a run that
writes nothing (the saved files stay), on a copy for one that writes (the saved city stays
as it was)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from bench.databases import RUN_DB, Database, reachable_by, start_temp_cluster


@pytest.fixture
def open_dir():
    """A directory the ``postgres`` user may enter (pytest's own ``tmp_path`` is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="fangkong-bench-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _loaded(db: Database, rows: str) -> None:
    """The run's database with a ``city`` table of ``rows`` (SQL values), as a load leaves it."""
    db.run_dir.mkdir(parents=True)
    (db.run_dir / "secrets.json").write_text("{}")
    db.server.recreate(RUN_DB)
    with db.server._connect(RUN_DB) as conn:
        conn.execute("CREATE TABLE city (n int)")
        conn.execute(f"INSERT INTO city VALUES {rows}")  # noqa: S608


def _rows(db: Database) -> list[int]:
    with db.server._connect(RUN_DB) as conn:
        return [n for (n,) in conn.execute("SELECT n FROM city ORDER BY n")]


@pytest.mark.postgres
def test_a_saved_postgres_city_restarts_in_place_and_as_a_copy(open_dir):
    server, why = start_temp_cluster()
    assert server is not None, why
    db = Database("postgres", open_dir / "work", version=server.version(), server=server)
    try:
        assert db.cache_kind == f"postgres{server.major()}"
        _loaded(db, "(1), (2)")
        cache = open_dir / "cities" / "postgres-x"
        db.save(cache, {"residents": 2})
        assert db.server is None and not server.root.exists()  # the load's cluster is gone
        assert (cache / "pgdata" / "PG_VERSION").exists() and (cache / "var").is_dir()

        env = db.restore(cache, writes=True)
        assert env["DATABASE_URL"].endswith(f"/{RUN_DB}")
        assert (db.run_dir / "secrets.json").exists()
        with db.server._connect(RUN_DB) as conn:
            conn.execute("INSERT INTO city VALUES (3)")
        assert _rows(db) == [1, 2, 3]
        db.close()

        db.restore(cache, writes=False)  # the copy's row is not in the saved city
        assert db.server.data_dir == cache / "pgdata"
        assert _rows(db) == [1, 2]
        db.close()
        assert (cache / "pgdata" / "PG_VERSION").exists()  # in place: close keeps the files
        assert not db.server.root.exists()
    finally:
        if db.server is not None:
            db.close()


def test_reachable_by_reads_the_bits_that_apply_to_the_user(open_dir):
    inner = open_dir / "var" / "bench"
    inner.mkdir(parents=True)
    me = os.stat(open_dir)
    other = (me.st_uid + 12345, me.st_gid + 12345)
    assert reachable_by(inner / "pgdata", *other)
    (open_dir / "var").chmod(0o700)  # the checkout's var/: its owner's alone
    assert not reachable_by(inner / "pgdata", *other)
    assert reachable_by(inner / "pgdata", me.st_uid, me.st_gid)
    (open_dir / "var").chmod(0o750)
    assert reachable_by(inner / "pgdata", other[0], me.st_gid)  # through the group bits
    assert not reachable_by(inner / "pgdata", *other)


@pytest.mark.postgres
def test_a_saved_city_behind_an_owner_only_directory_starts_on_a_copy(open_dir):
    """Run as root, the server runs as ``postgres``: a cache under the checkout's var/
    (mode 0700, its secrets) cannot be opened in place, so it starts on a copy."""
    server, why = start_temp_cluster()
    assert server is not None, why
    db = Database("postgres", open_dir / "work", version=server.version(), server=server)
    try:
        _loaded(db, "(1)")
        private = open_dir / "private"
        private.mkdir()
        cache = private / "cities" / "postgres-x"
        db.save(cache, {"residents": 1})
        private.chmod(0o700)
        db.restore(cache, writes=False)
        if os.geteuid() == 0:  # as root the server runs as postgres and cannot get in
            assert db.server.data_dir != cache / "pgdata"
            assert "a copy" in db.server.source
        assert _rows(db) == [1]
    finally:
        if db.server is not None:
            db.close()


@pytest.mark.postgres
def test_a_trial_setting_reaches_the_throw_away_cluster(monkeypatch):
    monkeypatch.setenv("FANGKONG_BENCH_PG_OPTIONS", "-c commit_delay=123")
    server, why = start_temp_cluster()
    assert server is not None, why
    try:
        assert server.scalar("SHOW commit_delay") == "123"
        assert server.source.endswith("default settings + -c commit_delay=123)")
    finally:
        server.close()
