"""Statuses per area and colour (``ColourCount``), kept by database triggers on the status
table in the transaction of the statement that writes the statuses.

Triggers rather than service code: statuses are written by the engine's batch upsert, its
one-person upsert (fixed SQL), bulk loads, and deleted by cascades from residents, areas and
retention — a trigger sees every one of them, including writers added later. PostgreSQL uses
statement-level triggers with transition tables: one grouped upsert per statement, whatever
its size, and nothing written when no colour or area changed (the usual recomputation).
Counter rows are taken in (area, colour) order, so two concurrent writers cannot deadlock on
them. SQLite (one writer at a time) uses row triggers that fire only on a changed colour or
area. ``rebuild`` recounts from the statuses: for a load run with triggers disabled
(``session_replication_role = replica``) and for the migration's backfill.
"""

from __future__ import annotations

from django.db import connection, transaction

STATUS = "status_personstatus"
COUNTS = "status_colourcount"

_UPSERT = f"""
INSERT INTO {COUNTS} (area_id, colour, n) {{select}}
ON CONFLICT (area_id, colour) DO UPDATE SET n = {COUNTS}.n + EXCLUDED.n"""

_PG_DELTA = {
    "INSERT": "SELECT area_id, colour, count(*) FROM status_new GROUP BY 1, 2 ORDER BY 1, 2",
    "DELETE": "SELECT area_id, colour, -count(*) FROM status_old GROUP BY 1, 2 ORDER BY 1, 2",
    "UPDATE": (
        "SELECT area_id, colour, sum(k) FROM ("
        "SELECT area_id, colour, 1 AS k FROM status_new "
        "UNION ALL SELECT area_id, colour, -1 FROM status_old) d "
        "GROUP BY 1, 2 HAVING sum(k) <> 0 ORDER BY 1, 2"
    ),
}

POSTGRES_INSTALL = f"""
CREATE FUNCTION status_colourcount_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {_UPSERT.format(select=_PG_DELTA["INSERT"])};
    ELSIF TG_OP = 'DELETE' THEN {_UPSERT.format(select=_PG_DELTA["DELETE"])};
    ELSE {_UPSERT.format(select=_PG_DELTA["UPDATE"])};
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER status_colourcount_insert AFTER INSERT ON {STATUS}
    REFERENCING NEW TABLE AS status_new
    FOR EACH STATEMENT EXECUTE FUNCTION status_colourcount_apply();
CREATE TRIGGER status_colourcount_update AFTER UPDATE ON {STATUS}
    REFERENCING OLD TABLE AS status_old NEW TABLE AS status_new
    FOR EACH STATEMENT EXECUTE FUNCTION status_colourcount_apply();
CREATE TRIGGER status_colourcount_delete AFTER DELETE ON {STATUS}
    REFERENCING OLD TABLE AS status_old
    FOR EACH STATEMENT EXECUTE FUNCTION status_colourcount_apply();
"""
POSTGRES_UNINSTALL = f"""
DROP TRIGGER IF EXISTS status_colourcount_insert ON {STATUS};
DROP TRIGGER IF EXISTS status_colourcount_update ON {STATUS};
DROP TRIGGER IF EXISTS status_colourcount_delete ON {STATUS};
DROP FUNCTION IF EXISTS status_colourcount_apply();
"""


def _sqlite_add(row: str, sign: str) -> str:
    return (
        f"INSERT INTO {COUNTS} (area_id, colour, n) VALUES ({row}.area_id, {row}.colour, {sign}1) "  # noqa: S608
        f"ON CONFLICT (area_id, colour) DO UPDATE SET n = n {sign} 1;"
    )


SQLITE_INSTALL = [
    f"CREATE TRIGGER status_colourcount_insert AFTER INSERT ON {STATUS} "
    f"BEGIN {_sqlite_add('NEW', '+')} END",
    f"CREATE TRIGGER status_colourcount_delete AFTER DELETE ON {STATUS} "
    f"BEGIN {_sqlite_add('OLD', '-')} END",
    f"CREATE TRIGGER status_colourcount_update AFTER UPDATE OF area_id, colour ON {STATUS} "
    "WHEN OLD.area_id IS NOT NEW.area_id OR OLD.colour IS NOT NEW.colour "
    f"BEGIN {_sqlite_add('OLD', '-')} {_sqlite_add('NEW', '+')} END",
]
SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS status_colourcount_{op}" for op in ("insert", "update", "delete")
]

REBUILD = [
    f"DELETE FROM {COUNTS}",  # noqa: S608
    f"INSERT INTO {COUNTS} (area_id, colour, n) "  # noqa: S608
    f"SELECT area_id, colour, COUNT(*) FROM {STATUS} GROUP BY area_id, colour",
]


def _run(execute, vendor: str, statements: dict[str, str | list[str]]) -> None:
    todo = statements[vendor]
    for sql in [todo] if isinstance(todo, str) else todo:
        execute(sql)


def install(schema_editor) -> None:
    """The triggers, then the counts of the statuses already stored (migration 0005)."""
    vendor = schema_editor.connection.vendor
    _run(
        lambda sql: schema_editor.execute(sql, params=None),
        vendor,
        {"postgresql": POSTGRES_INSTALL, "sqlite": SQLITE_INSTALL},
    )
    for sql in REBUILD:
        schema_editor.execute(sql, params=None)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    _run(
        lambda sql: schema_editor.execute(sql, params=None),
        vendor,
        {"postgresql": POSTGRES_UNINSTALL, "sqlite": SQLITE_UNINSTALL},
    )


def rebuild() -> None:
    """Recount every area's statuses per colour, with writers of statuses held off."""
    with transaction.atomic(), connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute(f"LOCK TABLE {STATUS} IN SHARE MODE")
        for sql in REBUILD:
            c.execute(sql)
