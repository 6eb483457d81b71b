"""What an account still holds in other modules: people it follows up, enterprises it is
stationed at, duty shifts ahead. Its page lists them, and stopping it or changing its role or
area warns about them, so someone hands them over instead of leaving them with an account
that can no longer (or should no longer) act on them.

Each module answers for itself with a function ``(user) -> Holding | None`` listed in
``HOLDINGS`` (as the home page's ``HOME_PANELS``), so accounts imports no module that
depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Holding:
    label: str | Promise  # what, with a count: “3 项进行中的隔离/监测安排”
    url: str  # where to see them and hand them over
    link: str | Promise  # the link's text
    perm: str  # what opening ``url`` needs (no link for a viewer without it)


HOLDINGS = [
    "fangkong.health.holdings.running_assignments",
    "fangkong.enterprises.holdings.stationings",
    "fangkong.duty.holdings.shifts_ahead",
]


def holdings(user) -> list[Holding]:
    return [h for dotted in HOLDINGS if (h := import_string(dotted)(user)) is not None]
