"""PostgreSQL sequences: ids drawn ahead of a bulk write that cannot return them (a COPY)."""

from __future__ import annotations


def draw(cursor, sequence: str, n: int) -> list[int]:
    """``n`` new values of the sequence named ``sequence``, in ascending order. Concurrent
    writers draw from the same sequence, so the values need not be consecutive."""
    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n])
    return sorted(r[0] for r in cursor.fetchall())
