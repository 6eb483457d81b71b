"""Derived data kept by database triggers: the one way to install, drop, find and rebuild it.

Counts per group (``core.kept_counts``), a resident's area on the rows about them
(``core.kept_area``) and the scans per area and day (``venues.day_counts``) are each a set of
triggers on both databases plus the statements that recompute what the triggers keep. A
subclass says which statements; this base runs them the same way everywhere: as a migration's
step (triggers, then the recount of the rows already stored), reversed, and as a rebuild
with the writers of the source table held off.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, migrations, transaction


class Kept:
    """Subclasses define ``source`` (the table whose writes the triggers follow), the
    statements of each database (``postgres_install`` may be several statements in one
    text) and ``trigger_names``."""

    source: str

    def postgres_install(self) -> str:
        raise NotImplementedError

    def postgres_uninstall(self) -> str:
        raise NotImplementedError

    def sqlite_install(self) -> list[str]:
        raise NotImplementedError

    def sqlite_uninstall(self) -> list[str]:
        raise NotImplementedError

    def install_sql(self, vendor: str) -> list[str]:
        return [self.postgres_install()] if vendor == "postgresql" else self.sqlite_install()

    def uninstall_sql(self, vendor: str) -> list[str]:
        return [self.postgres_uninstall()] if vendor == "postgresql" else self.sqlite_uninstall()

    def rebuild_sql(self) -> list[str]:
        raise NotImplementedError

    def trigger_names(self, vendor: str | None = None) -> set[str]:
        """The triggers ``install`` creates on ``vendor``'s database (this connection's)."""
        raise NotImplementedError

    def install(self, schema_editor) -> None:
        """The triggers, then what they keep for the rows already stored (a migration's
        step)."""
        for sql in self.install_sql(schema_editor.connection.vendor) + self.rebuild_sql():
            schema_editor.execute(sql, params=None)

    def uninstall(self, schema_editor) -> None:
        for sql in self.uninstall_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    def installed(self) -> set[str]:
        """Those of ``trigger_names`` the database has."""
        return self.trigger_names() & installed_triggers()

    def rebuild(self) -> None:
        """Recompute everything kept (after a load with triggers off), with writers of the
        source table held off."""
        with transaction.atomic(), connection.cursor() as c:
            if connection.vendor == "postgresql":
                c.execute(f"LOCK TABLE {self.source} IN SHARE MODE")
            for sql in self.rebuild_sql():
                c.execute(sql)


@dataclass(frozen=True)
class KeptBy(Kept):
    """Hand-written triggers: the statements per vendor, given whole."""

    source: str
    install_statements: dict[str, tuple[str, ...]]
    uninstall_statements: dict[str, tuple[str, ...]]
    rebuild_statements: tuple[str, ...]
    names: tuple[str, ...]

    def install_sql(self, vendor: str) -> list[str]:
        return list(self.install_statements[vendor])

    def uninstall_sql(self, vendor: str) -> list[str]:
        return list(self.uninstall_statements[vendor])

    def rebuild_sql(self) -> list[str]:
        return list(self.rebuild_statements)

    def trigger_names(self, vendor: str | None = None) -> set[str]:
        return set(self.names)


def migration_step(kept: Sequence[Kept]) -> migrations.RunPython:
    """A migration's step: the triggers of ``kept`` and what they keep for the rows already
    stored; reversed, the triggers dropped."""

    def install(apps, schema_editor) -> None:
        for k in kept:
            k.install(schema_editor)

    def uninstall(apps, schema_editor) -> None:
        for k in kept:
            k.uninstall(schema_editor)

    return migrations.RunPython(install, uninstall, elidable=False)


def installed_triggers() -> set[str]:
    """The names of the triggers this connection's database has: a SQLite table rebuilt by a
    later migration (Django's copy-and-rename) loses its triggers without a word, so tests
    check the kept data's triggers are there after every migration."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            c.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {r[0] for r in c.fetchall()}


class KeepingTriggers(migrations.SeparateDatabaseAndState):
    """``operations`` as usual, with the triggers around ``table`` kept: on SQLite Django
    changes a column's constraints by copying the table under a new name, which loses the
    table's own triggers (those of ``core.kept_area`` and others) and fails on triggers of
    other tables that read it (the old table is gone when the copy takes its name)."""

    def __init__(self, table: str, operations: Sequence[migrations.operations.base.Operation]):
        self.table = table
        super().__init__(database_operations=operations, state_operations=operations)

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"table": self.table, "operations": self.database_operations},
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        with sqlite_triggers_set_aside(schema_editor, self.table):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        with sqlite_triggers_set_aside(schema_editor, self.table):
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        described = "; ".join(op.describe() for op in self.database_operations)
        return f"{described} (keeping the triggers around {self.table})"


@contextmanager
def sqlite_triggers_set_aside(schema_editor, table: str) -> Iterator[None]:
    """SQLite: the triggers on ``table`` and those naming it dropped for the block and then
    created again exactly as they were (their text from the schema)."""
    if schema_editor.connection.vendor != "sqlite":
        yield
        return
    with schema_editor.connection.cursor() as c:
        # Naming it: a text match, which may take in a trigger of a similar name (dropped
        # and made again unchanged, no harm).
        c.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND (tbl_name = %s OR instr(sql, %s) > 0) ORDER BY name",
            [table, table],
        )
        saved = c.fetchall()
    quote = schema_editor.quote_name
    for name, _sql in saved:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(name)}", params=None)
    yield
    for _name, sql in saved:
        schema_editor.execute(sql, params=None)
