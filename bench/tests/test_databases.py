"""A loaded PostgreSQL city saved as a data directory starts again: in place for a run that
writes nothing (the saved files stay), on a copy for one that writes (the saved city stays
as it was)."""

import shutil
import tempfile
from pathlib import Path

import pytest

from bench.databases import RUN_DB, Database, start_temp_cluster


@pytest.fixture
def open_dir():
    """A directory the ``postgres`` user may enter (pytest's own ``tmp_path`` is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="fangkong-bench-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


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
        db.run_dir.mkdir(parents=True)
        (db.run_dir / "secrets.json").write_text("{}")
        server.recreate(RUN_DB)
        with server._connect(RUN_DB) as conn:
            conn.execute("CREATE TABLE city (n int)")
            conn.execute("INSERT INTO city VALUES (1), (2)")
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
