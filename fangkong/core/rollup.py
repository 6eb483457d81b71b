"""Counts per sub-area: the figures a dashboard compares across the children of an area.

An app's selector groups its rows by their area's materialised path (one ``GROUP BY`` over
the scoped queryset); ``roll_up`` adds each group into the child of ``parent`` whose path it
starts with, so a problem of a grid counts for its street, and no area is walked in Python
row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.apps import apps


def roll_up(
    parent, grouped: Iterable[Mapping], *, path_key: str, keys: Iterable[str]
) -> list[dict]:
    """One dict per child area of ``parent``: ``area`` and the summed ``keys``.

    ``grouped`` rows carry the area path under ``path_key``; rows of ``parent`` itself (not
    inside a child) are left out.
    """
    Area = apps.get_model("areas", "Area")
    keys = list(keys)
    children = list(Area.objects.filter(parent=parent).order_by("path"))
    result = [{"area": c, **dict.fromkeys(keys, 0)} for c in children]
    for row in grouped:
        path = row[path_key] or ""
        for entry in result:
            if path.startswith(entry["area"].path):
                for k in keys:
                    entry[k] += row[k] or 0
                break
    return result
