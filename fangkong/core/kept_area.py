"""A resident's area kept on the rows of a table about residents (contacts, quarantine
assignments, findings…), by database triggers: figures over a whole city count those rows
grouped by their own area column — a scan of the few thousand facts, or an index probe per
area — instead of a plan that starts from the million residents and probes the facts once per
resident, and no writer — a service, an import, a bulk load, a raw update, a move between
grids — can leave the column behind.

The column is set from the resident whenever a row is inserted or names another resident (or
an update writes the column itself: a stale instance saved again), and every row of a resident
follows them when the resident's area changes. PostgreSQL: a ``BEFORE`` row trigger sets the
column, reading the resident ``FOR SHARE`` so a concurrent move waits for the insert (or the
insert reads the moved area); an ``AFTER UPDATE OF area_id`` row trigger on the residents,
only when the area changed, moves the rows. SQLite (one writer at a time): ``AFTER`` triggers
that update the written row, and the same move trigger. ``rebuild`` sets the column again from
the residents (after a load with triggers off; a migration's backfill).

Read it for counting only (``count_scope_field``): an instance just created in Python does not
carry the value the database set.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from .triggers import Kept

PARENT = "registry_resident"


@dataclass(frozen=True)
class KeptArea(Kept):
    name: str  # prefix of the trigger and function names
    source: str  # the table about residents
    column: str = "resident_area_id"
    via: str = "resident_id"

    def _lookup(self, row: str, lock: str = "") -> str:
        return f"(SELECT area_id FROM {PARENT} WHERE id = {row}.{self.via}{lock})"  # noqa: S608

    def postgres_install(self) -> str:
        t, col = self.source, self.column
        return f"""
CREATE FUNCTION {self.name}_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.{col} := {self._lookup("NEW", " FOR SHARE")};
    RETURN NEW;
END
$$;
CREATE TRIGGER {self.name}_set BEFORE INSERT OR UPDATE OF {self.via}, {col} ON {t}
    FOR EACH ROW EXECUTE FUNCTION {self.name}_set();
CREATE FUNCTION {self.name}_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {t} SET {col} = NEW.area_id WHERE {self.via} = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER {self.name}_move AFTER UPDATE OF area_id ON {PARENT}
    FOR EACH ROW WHEN (OLD.area_id IS DISTINCT FROM NEW.area_id)
    EXECUTE FUNCTION {self.name}_move();
"""  # noqa: S608

    def postgres_uninstall(self) -> str:
        return (
            f"DROP TRIGGER IF EXISTS {self.name}_set ON {self.source};\n"
            f"DROP TRIGGER IF EXISTS {self.name}_move ON {PARENT};\n"
            f"DROP FUNCTION IF EXISTS {self.name}_set();\n"
            f"DROP FUNCTION IF EXISTS {self.name}_move();\n"
        )

    def sqlite_install(self) -> list[str]:
        t, col = self.source, self.column
        set_new = f"UPDATE {t} SET {col} = {self._lookup('NEW')} WHERE id = NEW.id;"  # noqa: S608
        return [
            f"CREATE TRIGGER {self.name}_insert AFTER INSERT ON {t} BEGIN {set_new} END",
            f"CREATE TRIGGER {self.name}_update AFTER UPDATE OF {self.via}, {col} ON {t} "
            f"WHEN NEW.{col} IS NOT {self._lookup('NEW')} BEGIN {set_new} END",
            f"CREATE TRIGGER {self.name}_move AFTER UPDATE OF area_id ON {PARENT} "  # noqa: S608
            f"WHEN OLD.area_id IS NOT NEW.area_id "
            f"BEGIN UPDATE {t} SET {col} = NEW.area_id WHERE {self.via} = NEW.id; END",
        ]

    def sqlite_uninstall(self) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {self.name}_{op}" for op in ("insert", "update", "move")]

    def rebuild_sql(self) -> list[str]:
        t = self.source
        return [f"UPDATE {t} SET {self.column} = {self._lookup(t)}"]  # noqa: S608

    def trigger_names(self, vendor: str | None = None) -> set[str]:
        if (vendor or connection.vendor) == "postgresql":
            return {f"{self.name}_set", f"{self.name}_move"}
        return {f"{self.name}_{op}" for op in ("insert", "update", "move")}


def kept_area_field() -> models.ForeignKey:
    """The kept column (``resident_area``): never written by application code, no foreign
    key of its own (the resident's is the one that holds)."""
    return models.ForeignKey(
        "areas.Area",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("居民所在网格"),
    )
