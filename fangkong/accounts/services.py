"""Writes to accounts: opening one for a colleague in one's own area subtree."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.models.audit import AuditAction
from fangkong.core.services import require_area, require_perm

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


def create_user(*, actor, username: str, full_name: str, role: str, area) -> tuple[User, str]:
    """Open an account bound to ``role`` and ``area``; returns it with its initial password,
    shown once to be handed to its holder (only its hash is kept, and never audited)."""
    require_perm(actor, "accounts.add_user")
    if area is None:
        raise ValidationError({"area": _("请选择所属区域")})
    require_area(actor, area)
    if role not in grantable_roles(actor):
        raise PermissionDenied(_("您不能开设该角色的账号"))
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
