from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fangkong.accounts.holdings import Holding

from .models import LiaisonAssignment
from .scoping import active_assignment_q


def stationings(user) -> Holding | None:
    """Enterprises the account is stationed at as liaison officer today (结束派驻 on each)."""
    n = LiaisonAssignment.objects.filter(active_assignment_q(), liaison=user).count()
    if not n:
        return None
    return Holding(
        ngettext("派驻 %(n)d 家企业的联络员", "派驻 %(n)d 家企业的联络员", n) % {"n": n},
        reverse("enterprises:assignment_list") + f"?liaison={user.pk}&current=1",
        _("联络员派驻"),
        "enterprises.view_liaisonassignment",
    )
