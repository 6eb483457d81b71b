"""Column definitions shared by the HTML list and the Excel export: one definition per list.

A ``Table`` subclass lists its ``Column``s. A column reads a value through a dotted
``accessor`` (``"area.name"``), shows a choice field's label (``choices=True``), masks a
personal field (``personal="id_number"``) with ``core.personal.mask`` unless the caller
reveals it, and may link to the row's detail page (``link=True``). ``render`` takes the row and
returns the value when none of that fits (e.g. the tag labels of a resident).

Given the ``user``, a table links its rows only when that user may open the detail page: the
permission its generic view asks for (an edit form needs ``change``), and ``link_permission``
where a page is not a generic view or needs more. Others see the values without links rather
than links that answer 403.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.urls import resolve, reverse

from fangkong.formats import grouped, moment

from .personal import mask


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    accessor: str = ""
    personal: str = ""
    choices: bool = False
    link: bool = False
    render: Callable[[Any], Any] | None = None
    html: bool = True
    export: bool = True

    def __post_init__(self) -> None:
        # ``raw`` reads attributes and never calls them: a ``get_x_display`` accessor would
        # show the bound method's repr on the page and in the export.
        if any(p.startswith("get_") and p.endswith("_display") for p in self.path):
            raise ValueError(f"column {self.name}: use accessor 'x' with choices=True")

    @property
    def path(self) -> list[str]:
        return (self.accessor or self.name).split(".")

    def raw(self, obj) -> Any:
        """The value before masking; choice fields give their display label."""
        if self.render is not None:
            return self.render(obj)
        parts = self.path
        for part in parts[:-1]:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        last = parts[-1]
        if self.choices:
            return getattr(obj, f"get_{last}_display")()
        return getattr(obj, last, None)

    def value(self, obj, *, reveal: bool = False) -> Any:
        value = self.raw(obj)
        if self.personal and not reveal:
            return mask(self.personal, value)
        if isinstance(value, models.Model):
            return str(value)
        return value


def area_columns(name: str, label: Any, accessor: str = "area") -> tuple[Column, Column]:
    """An area column: the page shows its own name (第1网格), the export the name after its
    community's (老街社区第1网格, ``Area.qualified_name``), which a reader above the community
    can tell apart and the importers read back."""
    return (
        Column(name, label, accessor=f"{accessor}.name", export=False),
        Column(name, label, accessor=f"{accessor}.qualified_name", html=False),
    )


def export_related(columns: Iterable[Column]) -> list[str]:
    """The relations an export must select along: an area named after its parent
    (``area.qualified_name``) reads the parent, once per query rather than per row."""
    return sorted(
        "__".join([*c.path[:-1], "parent"])
        for c in columns
        if c.render is None and len(c.path) > 1 and c.path[-1] == "qualified_name"
    )


@dataclass(frozen=True)
class Cell:
    value: Any
    url: str = ""
    personal: bool = False

    @property
    def text(self) -> str:
        if self.value is None:
            return ""
        if isinstance(self.value, bool):
            return "✓" if self.value else ""
        if isinstance(self.value, datetime.datetime):
            return moment(self.value)
        if isinstance(self.value, datetime.date):
            return self.value.isoformat()
        if isinstance(self.value, int | Decimal):  # counts, quantities, amounts
            return grouped(self.value)  # digits as given, never in exponent form (5E+2)
        return str(self.value)


class Table:
    """Rows of a list page (masked) and the header/values an export writes."""

    columns: tuple[Column, ...] = ()
    detail_url_name: str = ""
    link_permission: str = ""  # needed to open detail_url, beyond seeing the list

    def __init__(self, rows: Iterable[Any] = (), *, reveal: bool = False, user=None):
        self.rows = rows
        self.reveal = reveal
        self.user = user
        # Given the user, a row links only to a page that user may open (a volunteer's task
        # rows led to the post's staff page: a 403).
        self.links = user is None or (
            (not self.link_permission or user.has_perm(self.link_permission))
            and self._may_open_detail(user)
        )

    @classmethod
    def html_columns(cls) -> list[Column]:
        return [c for c in cls.columns if c.html]

    @classmethod
    def export_columns(cls) -> list[Column]:
        return [c for c in cls.columns if c.export]

    def detail_url(self, obj) -> str:
        return reverse(self.detail_url_name, args=[obj.pk]) if self.detail_url_name else ""

    def _may_open_detail(self, user) -> bool:
        """Whether ``user`` has the permission the detail page's view asks for."""
        if not self.detail_url_name:
            return True
        from .views.generic import BaseObjectView  # the views import the tables

        match = resolve(reverse(self.detail_url_name, args=[1]))
        view_class = getattr(match.func, "view_class", None)
        if view_class is None or not issubclass(view_class, BaseObjectView):
            return True
        view = view_class()
        view.kwargs = match.kwargs
        return user.has_perm(view.get_permission_required())

    def cells(self, obj) -> list[Cell]:
        return [
            Cell(
                c.value(obj, reveal=self.reveal),
                self.detail_url(obj) if c.link and self.links else "",
                bool(c.personal),
            )
            for c in self.html_columns()
        ]

    def __iter__(self) -> Iterator[tuple[Any, list[Cell]]]:
        for obj in self.rows:
            yield obj, self.cells(obj)

    @property
    def headers(self) -> list[Any]:
        return [c.label for c in self.html_columns()]
