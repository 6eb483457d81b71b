"""The personal status QR: a signed, expiring token of the row's random ``public_code``.

The token carries no personal data. The person's own page shows the colour and the public
reason texts; a checkpoint's verify shows the colour, the masked name and the same texts.
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.personal import mask_name
from fangkong.core.services import require_area, require_perm

from .engine import render
from .models import PersonStatus
from .services import recompute_status

SALT = "fangkong.status.personal-code"
TOKEN_MAX_AGE = 24 * 3600


def make_status_token(status: PersonStatus) -> str:
    return signing.dumps(status.public_code, salt=SALT)


def issue_status_token(*, actor, resident) -> str:
    """A token for printing or sending a resident their code (staff in the resident's area)."""
    require_perm(actor, "status.view_personstatus")
    require_area(actor, resident.area)
    status = PersonStatus.objects.filter(pk=resident.pk).first()
    if status is None:
        recompute_status([resident.pk], cause=_("生成个人码"), actor=actor)
        status = PersonStatus.objects.get(pk=resident.pk)
    return make_status_token(status)


def _status_for_token(token: str, now: datetime.datetime, max_age: int) -> PersonStatus:
    try:
        code = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError(_("个人码已过期，请刷新后重新出示"), code="expired") from None
    except signing.BadSignature:
        raise ValidationError(_("个人码无效"), code="invalid") from None
    status = PersonStatus.objects.select_related("resident").filter(public_code=code).first()
    if status is None:
        raise ValidationError(_("个人码无效"), code="invalid")
    if status.valid_until is not None and status.valid_until <= now:
        # The stored result may have changed by time alone since the last run of the job.
        recompute_status([status.pk], cause=_("到期自动重算"), now=now)
        status = PersonStatus.objects.select_related("resident").get(pk=status.pk)
    return status


def _public_view(status: PersonStatus, now: datetime.datetime) -> dict:
    return {
        "colour": status.colour,
        "colour_label": str(status.get_colour_display()),
        "reasons": [render(r, public=True) for r in status.reasons],
        "valid_until": status.valid_until,
        "checked_at": now,
    }


def personal_status_page(
    token: str, *, now: datetime.datetime | None = None, max_age: int = TOKEN_MAX_AGE
) -> dict:
    """Data of the page a resident shows: colour and reasons, no personal data."""
    now = now or timezone.now()
    return _public_view(_status_for_token(token, now, max_age), now)


def verify_status_token(
    *, actor, token: str, now: datetime.datetime | None = None, max_age: int = TOKEN_MAX_AGE
) -> dict:
    """What checkpoint staff see on scanning: colour, masked name and the reasons."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("请先登录"))
    require_perm(actor, "status.verify_personstatus")
    now = now or timezone.now()
    status = _status_for_token(token, now, max_age)
    return _public_view(status, now) | {"masked_name": mask_name(status.resident.name)}
