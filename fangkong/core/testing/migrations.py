"""Migration tests: take the test database to a migration, and back to the newest."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def trigger_definitions() -> dict[str, str]:
    """Each trigger's definition (SQLite keeps its text; PostgreSQL: the names), to hold a
    migration that copies a table (SQLite) to the triggers it found."""
    from fangkong.core.triggers import installed_triggers

    if connection.vendor != "sqlite":
        return dict.fromkeys(installed_triggers(), "")
    with connection.cursor() as cur:
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return dict(cur.fetchall())


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def migrate_to_latest() -> None:
    """Every app at its newest migration. Taking one app back also unapplies the other apps'
    migrations that depend on it (a scan index on the residents' table); bringing only that
    app forward again left them undone for the tests that came next on the same database."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
