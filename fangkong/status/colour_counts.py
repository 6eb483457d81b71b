"""Statuses per area and colour (``ColourCount``), kept by database triggers on the status
table (``core.kept_counts``): statuses are written by the engine's batch upsert, its
one-person upsert (fixed SQL), bulk loads, and deleted by cascades from residents — the
triggers see every one of them. A recomputation that changes no colour or grid (the usual
one) writes no count."""

from __future__ import annotations

from fangkong.core.kept_counts import KeptCount

COLOUR_COUNTS = KeptCount(
    name="status_colourcount",
    source="status_personstatus",
    counts="status_colourcount",
    keys=("area_id", "colour"),
)


def install(schema_editor) -> None:
    COLOUR_COUNTS.install(schema_editor)


def uninstall(schema_editor) -> None:
    COLOUR_COUNTS.uninstall(schema_editor)


def rebuild() -> None:
    COLOUR_COUNTS.rebuild()
