"""Writes to accounts: opening one for a colleague in one's own area subtree."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.models.audit import AuditAction
from fangkong.core.scoping import area_visible_to
from fangkong.core.services import require_area, require_perm

from . import password_sheets
from .choices import Role
from .models import User
from .passwords import generate_password
from .roles import permissions_for


def grantable_roles(actor) -> list[str]:
    """The roles ``actor`` may give: every one for a system administrator and the command
    office (which opens the enterprise liaisons' and inspectors' accounts); otherwise those
    that can do nothing ``actor``'s own role cannot (a street never opens a command account)."""
    if actor.is_superuser or actor.role == Role.COMMAND:
        return list(Role.values)
    own = permissions_for(actor.role)
    return [role for role in Role.values if permissions_for(role) <= own]


def require_grantable(actor, role: str) -> None:
    """Refuse a new account of ``role`` that ``actor`` may not open (by hand or by import)."""
    if role not in grantable_roles(actor):
        raise PermissionDenied(_("您不能开设该角色的账号"))


def create_user(*, actor, username: str, full_name: str, role: str, area) -> tuple[User, str]:
    """Open an account bound to ``role`` and ``area``; returns it with its initial password,
    shown once to be handed to its holder (only its hash is kept, and never audited), who
    must change it at the first sign-in. ``accounts.importers`` opens many at once by the
    same rules."""
    require_perm(actor, "accounts.add_user")
    if area is None:
        raise ValidationError({"area": _("请选择所属区域")})
    require_area(actor, area)
    require_grantable(actor, role)
    username, full_name = username.strip(), full_name.strip()
    user = User(username=username, full_name=full_name, role=role, area=area)
    try:
        User.username_validator(username)
    except ValidationError as e:
        raise ValidationError({"username": e.messages}) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名“%(u)s”已被使用") % {"u": username}})
    password = generate_password(user)
    user.set_password(password)
    user.password_change_required = True
    with transaction.atomic():
        user.save()
        audit.record(
            actor,
            audit.event_for(
                user,
                AuditAction.CREATE,
                changes={
                    "username": user.username,
                    "full_name": user.full_name,
                    "role": user.role,
                    "area": user.area_id,
                },
            ),
        )
    return user, password


def access_user(actor, user: User) -> None:
    """Refuse unless ``actor`` may manage ``user``'s account: ``accounts.change_user``, the
    account bound in the actor's area subtree, and a role the actor could give (a street
    never edits the command office's accounts, nobody but a system administrator another
    system administrator's)."""
    require_perm(actor, "accounts.change_user")
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied(_("只有系统管理员可以管理系统管理员账号"))
    if not area_visible_to(user.area, actor):
        raise PermissionDenied(_("该账号不在您的管辖范围内"))
    if not user.is_superuser and user.role not in grantable_roles(actor):
        raise PermissionDenied(_("您不能管理角色高于您的账号"))


def _record_update(actor, user: User, changes: dict, *, reason: str = "") -> None:
    audit.record(actor, audit.event_for(user, AuditAction.UPDATE, changes=changes, reason=reason))


def change_user(*, actor, user: User, full_name: str, role: str, area) -> User:
    """Change an account's name, role or area: only to a role the actor may give and an area
    of the actor's subtree; one's own role and area are changed by someone above."""
    access_user(actor, user)
    # A system administrator may have no area (it sees every one) and keep none.
    unbound = area is None and user.is_superuser and user.area_id is None
    if area is None and not unbound:
        raise ValidationError({"area": _("请选择所属区域")})
    if not unbound:
        require_area(actor, area)
    if role not in grantable_roles(actor):
        raise PermissionDenied(_("您不能授予该角色"))
    area_id = area.pk if area is not None else None
    if user.pk == actor.pk and (role != user.role or area_id != user.area_id):
        raise PermissionDenied(_("不能修改自己的角色或所属区域，请联系上级管理员"))
    with transaction.atomic():
        before = User._default_manager.select_for_update().get(pk=user.pk)
        new = {"full_name": full_name.strip(), "role": role, "area": area_id}
        old = {"full_name": before.full_name, "role": before.role, "area": before.area_id}
        changes = {k: [old[k], v] for k, v in new.items() if old[k] != v}
        if not changes:
            return user
        user.full_name, user.role, user.area = new["full_name"], role, area
        user.save(update_fields=["full_name", "role", "area"])
        _record_update(actor, user, changes)
    return user


def deactivate_user(*, actor, user: User, reason: str = "") -> User:
    """停用账号 (someone who left): they can no longer sign in, their open sessions end on
    their next request (the auth backend refuses an inactive account) and their API token is
    deleted. Nobody stops their own account, so a site always keeps the one who can undo it."""
    access_user(actor, user)
    if user.pk == actor.pk:
        raise PermissionDenied(_("不能停用自己的账号"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写停用原因（如调离、离职）")})
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        before = User._default_manager.select_for_update().get(pk=user.pk)
        if not before.is_active:
            raise ValidationError(_("该账号已经停用"))
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = Token.objects.filter(user=user).delete()[0]
        changes = {"is_active": [True, False]}
        if ended:
            changes["api_token"] = ["ended", None]
        _record_update(actor, user, changes, reason=reason.strip())
    return user


def reactivate_user(*, actor, user: User, reason: str = "") -> User:
    """重新启用 a stopped account (someone back on duty); its old password still applies."""
    access_user(actor, user)
    with transaction.atomic():
        before = User._default_manager.select_for_update().get(pk=user.pk)
        if before.is_active:
            raise ValidationError(_("该账号已经是启用状态"))
        user.is_active = True
        user.save(update_fields=["is_active"])
        _record_update(actor, user, {"is_active": [False, True]}, reason=reason.strip())
    return user


def reset_password(*, actor, user: User) -> str:
    """重置密码: a new generated password for someone who forgot theirs, returned to be shown
    once; only its hash is kept, the audit entry says a reset happened and nothing more. The
    account's API token ends with the old password (``User.save``), a sign-in lock is
    cleared, and its holder must change it at the next sign-in. One's own password is
    changed under 修改密码, which asks for the old one."""
    access_user(actor, user)
    if user.pk == actor.pk:
        raise PermissionDenied(_("请在“修改密码”中修改自己的密码"))
    if not user.is_active:
        raise ValidationError(_("该账号已停用，请先重新启用"))
    password = generate_password(user)
    with transaction.atomic():
        User._default_manager.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.failed_logins, user.locked_until = 0, None
        user.password_change_required = True
        user.save(
            update_fields=["password", "failed_logins", "locked_until", "password_change_required"]
        )
        _record_update(actor, user, {"password": "reset"}, reason=_("管理员重置密码"))
    return password


def take_import_passwords(*, actor, job) -> bytes | None:
    """The sheet of initial passwords of the accounts an import opened, for the one who ran
    it, once (then it is gone; ``None`` after). The audit trail records that it was handed
    over and for how many accounts, never a password."""
    token = (job.result or {}).get("password_sheet")
    if job.owner_id != actor.pk or job.params.get("importer") != "accounts.user" or not token:
        return None
    data = password_sheets.take(token)
    if data is None:
        return None
    from fangkong.areas.models import Area

    area = Area.objects.filter(pk=job.params.get("area_id")).values_list("path", flat=True)
    audit.record(
        actor,
        audit.Event(
            action=AuditAction.EXPORT,
            object_type=audit.object_type(User),
            object_repr=_("账号初始密码表"),
            area_path=area.first() or "",
            changes={"job": str(job.pk), "accounts": int(job.result.get("created") or 0)},
        ),
    )
    return data
