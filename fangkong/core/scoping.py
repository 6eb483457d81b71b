"""Area scoping: the one access path to rows for every list, detail, API, export and count.

A model says where its area is with ``scope_field`` (a lookup ending at an ``areas.Area``
foreign key). ``visible_to(user)`` keeps the rows whose area lies in the user's subtree; the
subtree is a sub-select on the area table's materialised path, so it is one indexed query on
SQLite and PostgreSQL alike, never recursive Python.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models


def subtree_ids(area) -> models.QuerySet:
    Area = apps.get_model("areas", "Area")
    return Area.objects.filter(path__startswith=area.path).values("pk")


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
    def visible_to(self, user, field: str | None = None) -> ScopedQuerySet:
        """``field``: another lookup ending at the same area (a counted model's kept
        ``count_scope_field``); ``scope_field`` by default."""
        if is_global(user):
            return self
        root = user_area(user)
        if root is None:
            return self.none()
        # Some querysets refine ``in_area`` (areas themselves): called as before by default.
        return self.in_area(root) if field is None else self.in_area(root, field)

    def in_area(self, area, field: str | None = None) -> ScopedQuerySet:
        field = field or self.model.scope_field
        return self.filter(**{f"{field}__in": subtree_ids(area)})


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
