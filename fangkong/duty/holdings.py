from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fangkong.accounts.holdings import Holding

from .models import Shift


def shifts_ahead(user) -> Holding | None:
    """Duty shifts not yet over: someone else must stand them."""
    n = Shift.objects.filter(person=user, end__gt=timezone.now()).count()
    if not n:
        return None
    today = timezone.localdate().isoformat()
    return Holding(
        ngettext("%(n)d 个尚未结束的值班班次", "%(n)d 个尚未结束的值班班次", n) % {"n": n},
        reverse("duty:shift_list") + f"?person={user.pk}&date_from={today}",
        _("值班表"),
        "duty.view_shift",
    )
