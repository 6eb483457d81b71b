"""What an account still holds in other modules: people it follows up, enterprises it is
stationed at, duty shifts ahead. Its page lists them, and stopping it or changing its role or
area warns about them, so someone hands them over instead of leaving them with an account
that can no longer (or should no longer) act on them.

Each module registers its own question (``@holding`` in its ``holdings`` module, imported by
its AppConfig), so accounts depends on no module that depends on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Holding:
    label: str | Promise  # what, with a count: “3 项进行中的隔离/监测安排”
    url: str  # where to see them and hand them over
    link: str | Promise  # the link's text
    perm: str  # what opening ``url`` needs (no link for a viewer without it)


_QUESTIONS: list[Callable[[object], Holding | None]] = []


def holding(question: Callable[[object], Holding | None]):
    """Register ``question(user)``: a ``Holding`` when the account holds something, else None."""
    _QUESTIONS.append(question)
    return question


def holdings(user) -> list[Holding]:
    return [h for question in _QUESTIONS if (h := question(user)) is not None]
