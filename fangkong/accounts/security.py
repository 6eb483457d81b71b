"""Sign-in guard: account lockout, per-address throttling, audited failures and unlocking.

Every password sign-in (the login page and the API token endpoint) goes through
``guarded_authenticate``. After ``FANGKONG_LOGIN_MAX_FAILURES`` wrong passwords an account is
locked for ``FANGKONG_LOGIN_LOCK_MINUTES``; an address with ``FANGKONG_LOGIN_ADDRESS_MAX_FAILURES``
failures within ``FANGKONG_LOGIN_ADDRESS_WINDOW_MINUTES`` is refused for that window. Unknown
user names are counted too (in the cache), so the messages never tell whether an account exists.
Address counters live in Django's default cache, a table every server process shares
(``core/cache.py``), so gunicorn's workers do not each allow the full count.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, ratelimit
from fangkong.core.models.audit import AuditAction
from fangkong.core.services import require_area, require_perm

User = get_user_model()


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_failures() -> int:
    return _setting("FANGKONG_LOGIN_MAX_FAILURES", 5)


def lock_minutes() -> int:
    return _setting("FANGKONG_LOGIN_LOCK_MINUTES", 15)


def address_max_failures() -> int:
    return _setting("FANGKONG_LOGIN_ADDRESS_MAX_FAILURES", 20)


def address_window_minutes() -> int:
    return _setting("FANGKONG_LOGIN_ADDRESS_WINDOW_MINUTES", 15)


def _key(kind: str, value: str) -> str:
    return ratelimit.key(f"login-{kind}", value)


def locked_message() -> str:
    return _(
        "用户名或密码错误次数过多，该账号已暂时锁定，请 %(minutes)d 分钟后再试，或联系管理员解锁"
    ) % {"minutes": lock_minutes()}


def throttled_message() -> str:
    return _("此设备登录失败次数过多，请 %(minutes)d 分钟后再试") % {
        "minutes": address_window_minutes()
    }


def invalid_message() -> str:
    return _("用户名或密码不正确（注意区分大小写）")


def _find_user(username: str):
    if not username:
        return None
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


def _is_locked(user, username: str, now: datetime.datetime) -> bool:
    if user is not None:
        return user.locked_until is not None and user.locked_until > now
    return (cache.get(_key("name", username)) or 0) >= max_failures()


def _audit(user, *, result: str, address: str, extra: dict | None = None) -> None:
    audit.record(
        user if result == "success" else None,
        audit.Event(
            action=AuditAction.LOGIN,
            object_type="accounts.user",
            object_id=str(user.pk) if user is not None else "",
            object_repr=user.get_username() if user is not None else "",
            area_path=user.area.path if user is not None and user.area_id else "",
            changes={"result": result, "address": address, **(extra or {})},
        ),
    )


def guarded_authenticate(request: HttpRequest | None, username: str, password: str):
    """The user for these credentials, or ``ValidationError`` with a message that does not
    tell whether the account exists. Failures, lockouts and successes are audited."""
    now = timezone.now()
    address = ratelimit.client_address(request)
    if address and (cache.get(_key("addr", address)) or 0) >= address_max_failures():
        raise ValidationError(throttled_message(), code="throttled")
    user = _find_user(username)
    if _is_locked(user, username, now):
        raise ValidationError(locked_message(), code="locked")
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is not None:
        if authenticated.failed_logins or authenticated.locked_until:
            User._default_manager.filter(pk=authenticated.pk).update(
                failed_logins=0, locked_until=None
            )
            authenticated.failed_logins, authenticated.locked_until = 0, None
        return authenticated
    return _failed(user, username, address, now)


def _failed(user, username: str, address: str, now: datetime.datetime):
    if address:
        ratelimit.bump(_key("addr", address), address_window_minutes() * 60)
    with transaction.atomic():
        if user is None:
            count = ratelimit.bump(_key("name", username), lock_minutes() * 60)
            locked = count >= max_failures()
        else:
            User._default_manager.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
            user.refresh_from_db(fields=["failed_logins"])
            locked = user.failed_logins >= max_failures()
            if locked:
                until = now + datetime.timedelta(minutes=lock_minutes())
                User._default_manager.filter(pk=user.pk).update(locked_until=until)
        _audit(user, result="locked" if locked else "failed", address=address)
    if locked:
        raise ValidationError(locked_message(), code="locked")
    raise ValidationError(invalid_message(), code="invalid_login")


def record_success(user, request: HttpRequest | None) -> None:
    _audit(user, result="success", address=ratelimit.client_address(request))


def locked_users(actor):
    """Accounts in the actor's area that are locked now."""
    return (
        User.objects.visible_to(actor)
        .filter(locked_until__gt=timezone.now())
        .select_related("area")
        .order_by("username")
    )


@transaction.atomic
def unlock_user(*, actor, user, reason: str = "") -> None:
    """Clear the lock and the failure count; needs ``accounts.change_user`` over the user's
    area (the command office, street administrators, superusers)."""
    require_perm(actor, "accounts.change_user")
    require_area(actor, user.area)  # an account without area: superusers only
    before = User._default_manager.select_for_update().get(pk=user.pk)
    User._default_manager.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    record_account_change(
        actor,
        user,
        {
            "failed_logins": [before.failed_logins, 0],
            "locked_until": [
                before.locked_until.isoformat() if before.locked_until else None,
                None,
            ],
        },
        reason=reason or _("解除登录锁定"),
    )


def record_account_change(actor, user, changes: dict, *, reason: str) -> None:
    """An audit entry for a change to an account that is not a form's save (an unlock, an
    API token ended)."""
    audit.record(
        actor,
        audit.Event(
            action=AuditAction.UPDATE,
            object_type="accounts.user",
            object_id=str(user.pk),
            object_repr=user.get_username(),
            area_path=user.area.path if user.area_id else "",
            changes=changes,
            reason=reason,
        ),
    )
