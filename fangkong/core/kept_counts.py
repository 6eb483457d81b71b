"""Counts of a table's rows per group (area, colour…), kept by database triggers in the
transaction of the statement that writes the rows: figures over a million rows read a few
thousand counts instead, and no writer — a service, a bulk load, an import, a cascade — can
leave them behind.

PostgreSQL: statement-level triggers with transition tables, one grouped upsert per statement
whatever its size, nothing written when no group changed; counter rows are taken in key order
so two concurrent writers cannot deadlock on them. SQLite (one writer at a time): row
triggers, the update one only when a key column changed. ``rebuild`` recounts (a load run with
triggers off, ``session_replication_role = replica``; a migration's backfill).
"""

from __future__ import annotations

from dataclasses import dataclass

from .triggers import Kept

OPS = ("insert", "update", "delete")


@dataclass(frozen=True)
class KeptCount(Kept):
    name: str  # prefix of the trigger and function names
    source: str  # the counted table
    counts: str  # its table of counts: the ``keys`` columns (unique together) and ``n``
    keys: tuple[str, ...]

    def _upsert(self, select: str) -> str:
        cols = ", ".join(self.keys)
        return (
            f"INSERT INTO {self.counts} ({cols}, n) {select} "
            f"ON CONFLICT ({cols}) DO UPDATE SET n = {self.counts}.n + EXCLUDED.n"
        )

    def _pg_delta(self, op: str) -> str:
        cols, pos = ", ".join(self.keys), ", ".join(str(i + 1) for i in range(len(self.keys)))
        grouped = f"GROUP BY {pos} ORDER BY {pos}"
        if op == "INSERT":
            return f"SELECT {cols}, count(*) FROM kept_new {grouped}"  # noqa: S608
        if op == "DELETE":
            return f"SELECT {cols}, -count(*) FROM kept_old {grouped}"  # noqa: S608
        return (
            f"SELECT {cols}, sum(k) FROM (SELECT {cols}, 1 AS k FROM kept_new "  # noqa: S608
            f"UNION ALL SELECT {cols}, -1 FROM kept_old) d GROUP BY {pos} HAVING sum(k) <> 0 "
            f"ORDER BY {pos}"
        )

    def postgres_install(self) -> str:
        fn, t = f"{self.name}_apply", self.source
        return f"""
CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {self._upsert(self._pg_delta("INSERT"))};
    ELSIF TG_OP = 'DELETE' THEN {self._upsert(self._pg_delta("DELETE"))};
    ELSE {self._upsert(self._pg_delta("UPDATE"))};
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER {self.name}_insert AFTER INSERT ON {t} REFERENCING NEW TABLE AS kept_new
    FOR EACH STATEMENT EXECUTE FUNCTION {fn}();
CREATE TRIGGER {self.name}_update AFTER UPDATE ON {t}
    REFERENCING OLD TABLE AS kept_old NEW TABLE AS kept_new
    FOR EACH STATEMENT EXECUTE FUNCTION {fn}();
CREATE TRIGGER {self.name}_delete AFTER DELETE ON {t} REFERENCING OLD TABLE AS kept_old
    FOR EACH STATEMENT EXECUTE FUNCTION {fn}();
"""

    def postgres_uninstall(self) -> str:
        drops = "".join(
            f"DROP TRIGGER IF EXISTS {self.name}_{op} ON {self.source};\n" for op in OPS
        )
        return f"{drops}DROP FUNCTION IF EXISTS {self.name}_apply();\n"

    def _sqlite_add(self, row: str) -> str:
        cols = ", ".join(self.keys)
        values = ", ".join(f"{row}.{k}" for k in self.keys)
        return (
            f"INSERT INTO {self.counts} ({cols}, n) VALUES ({values}, 1) "  # noqa: S608
            f"ON CONFLICT ({cols}) DO UPDATE SET n = n + 1;"
        )

    def _sqlite_take(self, row: str) -> str:
        """A row's group counted one less. An update, not an upsert: the group's row exists
        since the row was inserted, unless the counts were emptied first (``flush``)."""
        where = " AND ".join(f"{k} = {row}.{k}" for k in self.keys)
        return f"UPDATE {self.counts} SET n = n - 1 WHERE {where};"  # noqa: S608

    def sqlite_install(self) -> list[str]:
        t = self.source
        changed = " OR ".join(f"OLD.{k} IS NOT NEW.{k}" for k in self.keys)
        move = f"{self._sqlite_take('OLD')} {self._sqlite_add('NEW')}"
        return [
            f"CREATE TRIGGER {self.name}_insert AFTER INSERT ON {t} "
            f"BEGIN {self._sqlite_add('NEW')} END",
            f"CREATE TRIGGER {self.name}_delete AFTER DELETE ON {t} "
            f"BEGIN {self._sqlite_take('OLD')} END",
            f"CREATE TRIGGER {self.name}_update AFTER UPDATE OF {', '.join(self.keys)} ON {t} "
            f"WHEN {changed} BEGIN {move} END",
        ]

    def sqlite_uninstall(self) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {self.name}_{op}" for op in OPS]

    def rebuild_sql(self) -> list[str]:
        cols = ", ".join(self.keys)
        return [
            f"DELETE FROM {self.counts}",  # noqa: S608
            f"INSERT INTO {self.counts} ({cols}, n) "  # noqa: S608
            f"SELECT {cols}, COUNT(*) FROM {self.source} GROUP BY {cols}",
        ]

    def trigger_names(self, vendor: str | None = None) -> set[str]:
        return {f"{self.name}_{op}" for op in OPS}
