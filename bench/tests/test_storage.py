import io
import sqlite3
from contextlib import closing

import pytest
from django.core.management import call_command
from django.db import connection

from bench import dataset
from bench.steps import setup_areas
from bench.storage import AUDIT, RESIDENTS, export_stored, last_ids, read_dump, replay, write_dump


def _rows(conn, table: str, after: int) -> list[tuple]:
    return conn.execute(f'SELECT * FROM "{table}" WHERE id > ? ORDER BY id', [after]).fetchall()  # noqa: S608


def test_replay_stores_exactly_the_dumped_rows(db, tmp_path):
    setup_areas()
    if connection.vendor != "sqlite":
        with pytest.raises(ValueError, match="SQLite"):
            replay(tmp_path / "none.marshal")
        return
    with closing(sqlite3.connect(connection.settings_dict["NAME"], uri=True)) as plain:
        plain.execute("PRAGMA read_uncommitted = 1")  # see the test's open transaction
        _replay_round_trip(plain, tmp_path)


def _replay_round_trip(plain, tmp_path):
    """Values compared as stored, through a plain connection (Django's converts dates)."""
    before = last_ids(plain)
    path = dataset.write_csv(tmp_path / "r.csv", 30, seed=5)
    call_command(
        "import_residents", str(path), area=dataset.CITY[0], json=True, stdout=io.StringIO()
    )
    residents, entries = _rows(plain, RESIDENTS, before[0]), _rows(plain, AUDIT, before[1])
    assert len(residents) == 30 and len(entries) == 31  # one per record, one for the file
    dump = tmp_path / "stored.marshal"
    assert export_stored(plain, dump, before) == 30
    columns, chunks = read_dump(dump)
    assert [r for c in chunks for r in c[0]] == residents
    assert [e for c in chunks for e in c[1]] == entries

    # Stored again into the same database: the residents after deleting them, the audit
    # entries (append-only) under ids of their own.
    with connection.cursor() as cur:
        cur.execute(f'DELETE FROM "{RESIDENTS}" WHERE id > %s', [before[0]])  # noqa: S608
    shift = 10**9
    shifted = [(r, [(e[0] + shift, *e[1:]) for e in a]) for r, a in chunks]
    write_dump(dump, columns, shifted)
    out = replay(dump)
    assert (out["residents"], out["audit_entries"]) == (30, 31)
    assert _rows(plain, RESIDENTS, before[0]) == residents
    assert [(e[0] - shift, *e[1:]) for e in _rows(plain, AUDIT, shift)] == entries

    with connection.cursor() as cur:
        cur.execute(f'DELETE FROM "{RESIDENTS}" WHERE id > %s', [before[0]])  # noqa: S608
    out = replay(dump, residents_only=True)
    assert (out["residents"], out["audit_entries"]) == (30, 0)
    assert _rows(plain, RESIDENTS, before[0]) == residents
    assert len(_rows(plain, AUDIT, shift)) == 31  # none added


def test_export_without_new_rows_writes_an_empty_dump(tmp_path):
    with closing(sqlite3.connect(tmp_path / "t.sqlite3")) as conn:
        conn.execute(f'CREATE TABLE "{RESIDENTS}" (id INTEGER PRIMARY KEY, name TEXT)')
        conn.execute(f'CREATE TABLE "{AUDIT}" (id INTEGER PRIMARY KEY, changes TEXT)')
        conn.execute(f"INSERT INTO \"{RESIDENTS}\" VALUES (1, 'a')")  # noqa: S608
        assert last_ids(conn) == (1, 0)
        assert export_stored(conn, tmp_path / "d", last_ids(conn)) == 0
    assert read_dump(tmp_path / "d") == ((["id", "name"], ["id", "changes"]), [])
