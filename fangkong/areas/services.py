"""Writes to the area tree. Moving an area rewrites its subtree's paths in one statement."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from fangkong.core import audit, generations
from fangkong.core.services import audited_create, lock_versioned, require_area, require_perm

from .choices import AreaLevel
from .models import Area


def _check_parent(level: int, parent: Area | None) -> None:
    if parent is None:
        # A county that adopts the platform alone starts its tree at itself.
        if level > AreaLevel.DISTRICT:
            raise ValidationError({"parent": _("除省、市、区县外，区域必须有上级区域")})
        return
    if level <= parent.level:
        raise ValidationError({"level": _("下级区域的层级必须低于上级区域")})


def create_area(*, actor, code: str, name: str, level: int, parent: Area | None) -> Area:
    require_perm(actor, "areas.add_area")
    require_area(actor, parent)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationError(_("区划代码和名称不能为空"))
    if Area.objects.filter(code=code).exists():
        raise ValidationError({"code": _("区划代码“%(c)s”已存在") % {"c": code}})
    _check_parent(level, parent)
    with transaction.atomic():
        area = audited_create(actor, Area, code=code, name=name, level=level, parent=parent)
    return area


def update_area(
    *, actor, area: Area, name: str, parent: Area | None, expected_version: int | None
) -> Area:
    """Rename and/or move an area; descendants follow the move."""
    require_perm(actor, "areas.change_area")
    require_area(actor, area)
    require_area(actor, parent)
    if parent is not None and parent.path.startswith(area.path):
        raise ValidationError({"parent": _("不能把区域移动到它自己的下级")})
    _check_parent(area.level, parent)
    with transaction.atomic():
        before = lock_versioned(area, expected_version)
        old_path = before.path
        area.name = name.strip()
        area.parent = parent
        area.version = before.version + 1
        area.save()
        if area.path != old_path:
            # Descendants: replace the old prefix with the new one.
            Area.objects.filter(path__startswith=old_path).exclude(pk=area.pk).update(
                path=Concat(Value(area.path), Substr("path", len(old_path) + 1))
            )
        audit.record_update(actor, before, area)
        generations.bump(generations.AREAS)  # names and paths feed cached configuration
    return area
