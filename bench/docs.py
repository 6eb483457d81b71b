"""What every benchmark does with its result: open the databases ``--db`` names, print the
section, and record it in docs/benchmarks.md newest first under the benchmark's marker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .databases import Database, postgres_database
from .report import load_average


@contextmanager
def chosen_databases(
    which: str, sqlite: Callable[[], Database], work: Path, extra: dict
) -> Iterator[tuple[list[Database], list[str]]]:
    """The databases ``--db`` chose (``which``), open for the ``with`` block, and the ones
    skipped with why (a PostgreSQL that cannot be had); ``work``: the PostgreSQL run's
    directory. All are closed when the block ends, also after a failure (a later one's
    opening included), and then the load average is recorded in ``extra`` (the section's
    machine line)."""
    databases: list[Database] = []
    skipped: list[str] = []
    try:
        if which in ("sqlite", "all"):
            databases.append(sqlite())
        if which in ("postgres", "all"):
            pg, why = postgres_database(work)
            if pg is None:
                skipped.append(f"PostgreSQL: {why}")
            else:
                databases.append(pg)
        yield databases, skipped
    finally:
        for db in databases:
            db.close()
        extra["load at end"] = load_average()


def insert_newest_first(path: Path, section: str, marker: str, header: str) -> None:
    """``section`` right under ``marker`` (``header`` and the marker appended on first use)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if marker not in text:
        text = text.rstrip("\n") + "\n" + header + marker + "\n"
    head, _, tail = text.partition(marker)
    rest = tail.lstrip("\n")
    path.write_text(
        f"{head}{marker}\n\n{section}" + (f"\n{rest}" if rest else ""), encoding="utf-8"
    )


def publish(
    section: str,
    args,
    record: Callable[[Path, str], None],
    say: Callable[[str], None],
    *,
    problems: bool,
    met: str = "all targets met",
) -> int:
    """Print and (unless ``--no-docs``) record the section; the exit code: 2 when a step
    failed, 0 when the section's first line says ``met``, else 1."""
    print()
    print(section.replace("`", ""))
    if not args.no_docs:
        record(args.docs, section)
        say(f"recorded in {args.docs}")
    if problems:
        return 2
    return 0 if met in section.splitlines()[0] else 1
