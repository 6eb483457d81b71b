"""Rules of the problem state machine and of escalation, in one place."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import ProblemAction, ProblemState

# A problem still overdue this many days after its last escalation goes one level higher.
ESCALATE_EVERY_DAYS = 3


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    permission: str
    note_label: object  # what the note means for this step; required when set


TRANSITIONS: dict[str, Transition] = {
    ProblemAction.RECTIFY: Transition(
        frozenset({ProblemState.OPEN}),
        ProblemState.SUBMITTED,
        "supervision.rectify_problem",
        _("整改情况"),
    ),
    ProblemAction.CLOSE: Transition(
        frozenset({ProblemState.SUBMITTED}),
        ProblemState.CLOSED,
        "supervision.verify_problem",
        None,
    ),
    ProblemAction.REOPEN: Transition(
        frozenset({ProblemState.SUBMITTED, ProblemState.CLOSED}),
        ProblemState.OPEN,
        "supervision.verify_problem",
        _("退回原因"),
    ),
}


def allowed_actions(state: str) -> list[str]:
    return [action for action, t in TRANSITIONS.items() if state in t.sources]


def escalation_due(
    *, state: str, deadline: datetime.date, escalated_on: datetime.date | None, today
) -> bool:
    if state == ProblemState.CLOSED or deadline >= today:
        return False
    return escalated_on is None or (today - escalated_on).days >= ESCALATE_EVERY_DAYS


def is_village(name: str) -> bool:
    """村 (village) or 社区 (community): both sit at the community level of the tree."""
    return name.endswith(("村", "村委会", "村民委员会"))
