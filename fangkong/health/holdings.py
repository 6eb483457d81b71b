from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fangkong.accounts.holdings import Holding

from .choices import AssignmentState


def running_assignments(user) -> Holding | None:
    """进行中的隔离/监测安排 the account is 责任网格员 of: handed over in 网格员交接."""
    n = user.health_assignments.filter(state=AssignmentState.ACTIVE).count()
    if not n:
        return None
    return Holding(
        ngettext(
            "%(n)d 项进行中的隔离/监测安排的责任网格员",
            "%(n)d 项进行中的隔离/监测安排的责任网格员",
            n,
        )
        % {"n": n},
        reverse("health:assignment_handover") + f"?outgoing={user.pk}",
        _("网格员交接"),
        "health.change_assignment",
    )
