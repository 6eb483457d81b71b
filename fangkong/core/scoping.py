"""Area scoping: the one access path to rows for every list, detail, API, export and count.

A model says where its area is with ``scope_field`` (a lookup ending at an ``areas.Area``
foreign key). ``visible_to(user)`` keeps the rows whose area lies in the user's subtree; the
subtree is a sub-select on the area table's materialised path, so it is one indexed query on
SQLite and PostgreSQL alike, never recursive Python.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connections, models
from django.db.models import F, Func


def subtree_ids(area) -> models.QuerySet:
    Area = apps.get_model("areas", "Area")
    return Area.objects.filter(path__startswith=area.path).values("pk")


def is_large_scope(area) -> bool:
    """Whether ``area``'s subtree holds a large share of a city's rows: a street or above.
    At full size a street holds ~5 % of the areas and rows, a community ~1 %: past a few
    percent, walking the list's order finds a page sooner than sorting the scope (scans:
    50 rows at 5 % read ~1,000 index entries; sorting them would read 500,000). Told by the
    level, not counted: no query per request."""
    from fangkong.areas.choices import AreaLevel

    return area.level < AreaLevel.COMMUNITY


class PerRow(Func):
    """``+column`` on SQLite: the same value, but no index on the column can serve a
    condition on it, so the planner walks the index of the ORDER BY and checks the condition
    per row instead of reading every row in scope and sorting them. PostgreSQL gets the
    column itself: its planner already weighs the semi-join against the ordered index walk
    (and ``+`` there turned the city's scan list from a 15 ms walk into a 200 ms sort)."""

    template = "+%(expressions)s"
    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])


def user_area(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return getattr(user, "area", None)


def is_global(user) -> bool:
    """System administrators see every area."""
    return bool(user is not None and user.is_authenticated and user.is_superuser)


def area_visible_to(area, user) -> bool:
    if area is None:
        return is_global(user)
    return path_visible_to(area.path, user)


def path_visible_to(path: str, user) -> bool:
    """``area_visible_to`` for an area known by its materialised path (a row read with
    plain SQL on a hot path): in the user's subtree, as ``visible_to`` selects."""
    if is_global(user):
        return True
    root = user_area(user)
    return root is not None and path.startswith(root.path)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, field: str | None = None, *, walk: bool = False) -> ScopedQuerySet:
        """``field``: another lookup ending at the same area (a counted model's kept
        ``count_scope_field``); ``scope_field`` by default. ``walk``: the caller reads the
        first rows in an order an index serves that does not start with the area (a list
        page), so a large scope is checked per row (``in_area``)."""
        if is_global(user):
            return self
        root = user_area(user)
        if root is None:
            return self.none()
        if walk:
            return self.in_area(root, field, walk=True)
        # Some querysets refine ``in_area`` (areas themselves): called as before by default.
        return self.in_area(root) if field is None else self.in_area(root, field)

    def in_area(self, area, field: str | None = None, *, walk: bool = False) -> ScopedQuerySet:
        """The rows in ``area``'s subtree. With ``walk`` and a large scope (most rows match)
        the area is checked per row (``PerRow``): the planner then walks the index of the
        ORDER BY and stops after a page, instead of fetching every row of the scope through
        the area index and sorting them all (4 s for a city's residents, 50 s for its scans
        on SQLite). A small scope keeps the area index: its rows are few, and walking the
        order would read the whole table to find them."""
        field = field or self.model.scope_field
        if walk and is_large_scope(area):
            hop, _, rest = field.partition("__")
            subselect = getattr(self.model, "scope_by_subselect", False)
            if rest and subselect and connections[self.db].vendor == "sqlite":
                # The area sits on a few related rows (a scan's venue): checked by a
                # sub-select, not a join, which SQLite's planner, given statistics, drives
                # from the small related table, reading and sorting every row of the scope
                # (100 s for a city's 10,000,000 scans) instead of walking the order's index
                # (3 ms). Not for many related rows (residents): the sub-select's list of a
                # city's million residents costs more than the join's per-row look-up.
                related = self.model._meta.get_field(hop).related_model
                scope = related._default_manager.filter(**{f"{rest}__in": subtree_ids(area)})
                return self.alias(_scope_row=PerRow(F(hop))).filter(
                    _scope_row__in=scope.values("pk")
                )
            return self.alias(_scope_area=PerRow(F(field))).filter(
                _scope_area__in=subtree_ids(area)
            )
        return self.filter(**{f"{field}__in": subtree_ids(area)})


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
