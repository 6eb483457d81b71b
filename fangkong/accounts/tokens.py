"""API tokens: one per account (DRF's ``Token``), with a lifetime and a way to end one.

A token is issued at ``/api/v1/auth/token/`` for a username and password and lasts
``FANGKONG_TOKEN_DAYS`` days (0: until ended). An expired token is refused with a message
that says to ask for a new one; asking again replaces it. A new password or a deactivated
account ends it too (``User.save``, the authentication class); its holder can end it from
"我的账号" at any time (a lost phone, a device handed on), which is audited.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from . import security


def lifetime() -> datetime.timedelta | None:
    days = settings.FANGKONG_TOKEN_DAYS
    return datetime.timedelta(days=days) if days > 0 else None


def expires_at(token: Token) -> datetime.datetime | None:
    span = lifetime()
    return token.created + span if span is not None else None


def expired(token: Token, now: datetime.datetime | None = None) -> bool:
    end = expires_at(token)
    return end is not None and end <= (now or timezone.now())


@transaction.atomic
def issue(user) -> Token:
    """The account's token, a new one if it had none or its own had expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def current(user) -> Token | None:
    token = Token.objects.filter(user=user).first()
    return None if token is None or expired(token) else token


@transaction.atomic
def revoke(*, actor) -> bool:
    """End the actor's own token; False when there was none."""
    token = Token.objects.select_for_update().filter(user=actor).first()
    if token is None:
        return False
    created = token.created
    token.delete()
    security.record_account_change(
        actor,
        actor,
        {"api_token": [timezone.localtime(created).isoformat(), None]},
        reason=_("本人撤销 API 令牌"),
    )
    return True
