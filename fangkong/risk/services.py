"""Every write to risk levels and risk designations goes through these functions."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit, generations
from fangkong.core.services import audited_create, lock_named, require_area, require_perm
from fangkong.formats import moment
from fangkong.status.services import recompute_on_commit

from .models import RiskDesignation, RiskLevel
from .rules import is_valid_place_code
from .selectors import residents_matching_designation

RANKS = (1, 100)
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def create_risk_level(*, actor, name: str, rank: int, colour: str = "#999999") -> RiskLevel:
    require_perm(actor, "risk.add_risklevel")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("风险等级名称不能为空")})
    # The form's rules, for the API too: the colour is drawn on every page that shows it.
    if not (isinstance(rank, int) and RANKS[0] <= rank <= RANKS[1]):
        message = _("等级序号应为 %(a)d–%(b)d 的整数") % {"a": RANKS[0], "b": RANKS[1]}
        raise ValidationError({"rank": message})
    if not (isinstance(colour, str) and COLOUR.fullmatch(colour)):
        raise ValidationError({"colour": _("颜色应为 #RRGGBB 形式，如 #d9534f")})
    if RiskLevel.objects.filter(name=name).exists():
        raise ValidationError({"name": _("已有同名风险等级")})
    if RiskLevel.objects.filter(rank=rank).exists():
        raise ValidationError({"rank": _("已有相同等级序号的风险等级")})
    with transaction.atomic():
        level = audited_create(actor, RiskLevel, name=name, rank=rank, colour=colour)
        generations.bump(generations.RISK)
    return level


DESIGNATING = "risk.designation"


def _open_designation_of_place(*, area, place_code: str, place_name: str):
    qs = RiskDesignation.objects.select_for_update().filter(effective_to__isnull=True)
    if area is not None:
        qs = qs.filter(area=area)
    elif place_code:
        qs = qs.filter(area__isnull=True, place_code=place_code)
    else:
        qs = qs.filter(area__isnull=True, place_code="", place_name=place_name)
    return qs.order_by("-effective_from").first()


def _affected(designation: RiskDesignation) -> list[int]:
    return list(residents_matching_designation(designation).values_list("pk", flat=True))


def check_place(*, area, place_name: str, place_code: str) -> tuple[str, str]:
    """The ``(place_name, place_code)`` a designation stores: blank for an area of the
    platform; else a name and/or a valid code. ``ValidationError`` keyed by field."""
    if area is not None:
        return "", ""
    place_name = (place_name or "").strip()
    place_code = (place_code or "").strip()
    if not place_name and not place_code:
        raise ValidationError({"place_name": _("请选择本平台区域或填写地区名称/区划代码")})
    if place_code and not is_valid_place_code(place_code):
        raise ValidationError({"place_code": _("区划代码应为 2–12 位数字")})
    return place_name, place_code


def check_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写认定依据")})
    return reason.strip()


def check_supersedes(previous_from: datetime.datetime, effective_from: datetime.datetime) -> None:
    """A new level of a place starts after its current one (history is append-only)."""
    if previous_from >= effective_from:
        raise ValidationError(
            {
                "effective_from": _("生效时间必须晚于该地区当前等级的生效时间（%(t)s）")
                % {"t": moment(previous_from)}
            }
        )


def check_end(designation: RiskDesignation, effective_to: datetime.datetime) -> None:
    """An open designation is lifted after it began."""
    if designation.effective_to is not None:
        raise ValidationError({"effective_to": _("该认定已经结束")})
    if effective_to <= designation.effective_from:
        raise ValidationError({"effective_to": _("解除时间必须晚于生效时间")})


def set_risk_level(
    *,
    actor,
    level: RiskLevel,
    effective_from: datetime.datetime,
    reason: str,
    area=None,
    place_name: str = "",
    place_code: str = "",
) -> RiskDesignation:
    """Designate a place's level from ``effective_from``; closes the place's open designation."""
    require_perm(actor, "risk.add_riskdesignation")
    if area is not None:
        require_area(actor, area)
    place_name, place_code = check_place(area=area, place_name=place_name, place_code=place_code)
    reason = check_reason(reason)
    if effective_from is None:
        raise ValidationError({"effective_from": _("请填写生效时间")})
    with transaction.atomic():
        # Designations take turns (``lock_named``; they are a command office's occasional
        # act, also imported): two at once for one place would both find no open one, or
        # the one the other is closing, and leave the place two open levels.
        lock_named(DESIGNATING)
        previous = _open_designation_of_place(
            area=area, place_code=place_code, place_name=place_name
        )
        if previous is not None:
            check_supersedes(previous.effective_from, effective_from)
            if previous.level_id == level.pk:
                raise ValidationError({"level": _("该地区当前已是此风险等级")})
            before = RiskDesignation.objects.get(pk=previous.pk)
            previous.effective_to = effective_from
            previous.save(update_fields=["effective_to"])
            audit.record_update(actor, before, previous, reason=reason)
        designation = RiskDesignation.objects.create(
            area=area,
            place_name=place_name,
            place_code=place_code,
            level=level,
            effective_from=effective_from,
            set_by=actor,
            reason=reason,
        )
        audit.record_create(actor, designation, reason=reason)
        generations.bump(generations.RISK)
        affected = set(_affected(designation))
        if previous is not None:
            affected |= set(_affected(previous))
        recompute_on_commit(affected, cause=_("风险地区认定变更"), actor=actor)
    return designation


def end_risk_designation(
    *, actor, designation: RiskDesignation, effective_to: datetime.datetime, reason: str
) -> RiskDesignation:
    """Lift an open designation without setting another level."""
    require_perm(actor, "risk.change_riskdesignation")
    if designation.area_id:
        require_area(actor, designation.area)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写解除依据")})
    with transaction.atomic():
        before = RiskDesignation.objects.select_for_update().get(pk=designation.pk)
        check_end(before, effective_to)
        designation.effective_to = effective_to
        designation.save(update_fields=["effective_to"])
        audit.record_update(actor, before, designation, reason=reason)
        generations.bump(generations.RISK)
        recompute_on_commit(_affected(designation), cause=_("风险地区认定解除"), actor=actor)
    return designation
