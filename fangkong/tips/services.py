"""Every write to tips and rewards goes through these functions.

``submit_tip`` is the public entry (no account): it enforces the per-address limit and
stores the tip-giver's contact encrypted. Staff steps are a small state machine
(``rules.TIP_TRANSITIONS``) that refuses a step the tip's state does not allow.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core import audit, crypto
from fangkong.core.images import clean_photo
from fangkong.core.services import (
    audited_create,
    lock_rows,
    lock_versioned,
    require_area,
    require_perm,
)
from fangkong.core.validators import validate_phone

from .choices import TipCategory, TipState
from .models import Reward, Tip, TipPhoto

# No 0/O, 1/I/L: the code is read aloud and typed on a phone. 12 characters ≈ 60 bits.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 12
PUBLIC_REASON = "公众举报"


def new_receipt_code() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def normalize_receipt_code(value: str) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())[:RECEIPT_LENGTH]


def client_key(address: str) -> str:
    """Keyed hash of the submitting address: counts tips per address, reveals no address."""
    return crypto.blind_index(address or "unknown", purpose="tip-client") or ""


def root_area() -> Area:
    """Where a tip without a chosen area waits for triage: the top of the tree."""
    return Area.objects.filter(parent=None).order_by("path").first()


def check_rate(address: str, *, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    limit = settings.FANGKONG_TIP_LIMIT_PER_HOUR
    recent = Tip.objects.filter(
        client_key=client_key(address), created_at__gte=now - datetime.timedelta(hours=1)
    ).count()
    if recent >= limit:
        raise ValidationError(
            _("同一网络每小时最多提交 %(n)d 条线索，请一小时后再试；紧急情况请直接拨打属地防控热线")
            % {"n": limit},
            code="rate_limited",
        )


def submit_tip(
    *,
    category: str,
    description: str,
    client_address: str,
    area: Area | None = None,
    place: str = "",
    anonymous: bool = True,
    contact_name: str = "",
    contact_phone: str = "",
    photo=None,
) -> Tip:
    """A tip from the public form; returns it with its receipt code."""
    if category not in TipCategory.values:
        raise ValidationError({"category": _("请选择线索类别")})
    description = (description or "").strip()
    if len(description) < 5:
        raise ValidationError({"description": _("请描述线索内容（至少 5 个字）")})
    if len(description) > 2000:
        raise ValidationError({"description": _("线索内容不超过 2000 字")})
    place = (place or "").strip()
    if area is None and not place:
        raise ValidationError({"place": _("请选择所在区域或填写地点")})
    if anonymous:
        # The box is ticked by default: a name or phone typed under it means the tip-giver
        # wants to be reached (and rewarded). Dropping it silently would lose that; say so.
        if (contact_name or "").strip() or (contact_phone or "").strip():
            raise ValidationError(
                {
                    "anonymous": _(
                        "已勾选“匿名举报”，匿名举报不保存姓名和电话。"
                        "需要实名举报（核查属实可获奖励）请取消勾选；坚持匿名请清空姓名和电话"
                    )
                }
            )
        contact_name = contact_phone = ""
    else:
        contact_name = (contact_name or "").strip()[:50]
        try:
            contact_phone = validate_phone(contact_phone)
        except ValidationError as e:
            raise ValidationError({"contact_phone": e.messages}) from None
        if not contact_phone:
            raise ValidationError(
                {"contact_phone": _("实名举报请留下联系电话，以便核实和发放奖励")}
            )
    content = None
    if photo is not None:
        try:
            content = clean_photo(photo)
        except ValidationError as e:
            raise ValidationError({"photo": e.messages}) from None
    with transaction.atomic():
        check_rate(client_address)
        tip = audited_create(
            None,
            Tip,
            receipt_code=new_receipt_code(),
            category=category,
            description=description,
            place=place[:200],
            area=area or root_area(),
            anonymous=anonymous,
            contact_name=contact_name,
            contact_phone=contact_phone,
            client_key=client_key(client_address),
        )
        if content is not None:
            tip_photo = TipPhoto(tip=tip)
            tip_photo.image.save(content.name, content, save=False)
            tip_photo.save()
            audit.record_create(None, tip_photo, reason=PUBLIC_REASON)
    return tip


def progress(code: str) -> Tip | None:
    """The tip with this receipt code, for the public progress page (state only)."""
    code = normalize_receipt_code(code)
    if len(code) != RECEIPT_LENGTH:
        return None
    return Tip.objects.filter(receipt_code=code).only("receipt_code", "state", "created_at").first()


# --- staff steps -------------------------------------------------------------------------


def _step(
    *,
    actor,
    tip: Tip,
    sources: set[str],
    target: str,
    label: str,
    expected_version: int | None,
    **fields,
) -> Tip:
    require_perm(actor, "tips.change_tip")
    require_area(actor, tip.area)
    with transaction.atomic():
        before = lock_versioned(tip, expected_version)
        if before.state not in sources:
            raise ValidationError(
                {
                    "state": _("线索当前状态为“%(state)s”，不能%(action)s")
                    % {"state": before.get_state_display(), "action": label}
                },
                code="invalid_transition",
            )
        for k, v in fields.items():
            setattr(tip, k, v)
        tip.state = target
        tip.handled_by = actor
        tip.version = before.version + 1
        tip.save()
        audit.record_update(actor, before, tip)
    return tip


def assign_tip(
    *, actor, tip: Tip, area: Area, note: str = "", expected_version: int | None = None
) -> Tip:
    """分拣交办: send a new tip to the area that verifies it; 改派 an assigned one that went to
    the wrong area (by whoever covers both areas: the office that sent it)."""
    if area is None:
        raise ValidationError({"area": _("请选择交办区域")})
    require_area(actor, area)
    if tip.state == TipState.ASSIGNED and area.pk == tip.area_id:
        raise ValidationError({"area": _("线索已交办给该区域，请选择另一个区域")})
    return _step(
        actor=actor,
        tip=tip,
        sources={TipState.NEW, TipState.ASSIGNED},
        target=TipState.ASSIGNED,
        label=_("交办"),
        expected_version=expected_version,
        area=area,
        triage_note=(note or "").strip()[:500],
        assigned_at=timezone.now(),
    )


def return_tip(*, actor, tip: Tip, note: str, expected_version: int | None = None) -> Tip:
    """退回重新分拣: the area a tip was sent to says it is not theirs (the place is in another
    community); it goes back to the area above, to be sent on. The reason is required."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写退回原因（如不属于本辖区）")})
    above = tip.area.parent if tip.area.parent_id else tip.area
    return _step(
        actor=actor,
        tip=tip,
        sources={TipState.ASSIGNED},
        target=TipState.NEW,
        label=_("退回"),
        expected_version=expected_version,
        area=above,
        triage_note=_("退回：%(note)s") % {"note": note[:480]},
        assigned_at=None,
    )


def reject_tip(*, actor, tip: Tip, note: str, expected_version: int | None = None) -> Tip:
    """无效线索: too little to act on, a duplicate or spam; the reason is required."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写不予受理的原因")})
    return _step(
        actor=actor,
        tip=tip,
        sources={TipState.NEW},
        target=TipState.REJECTED,
        label=_("不予受理"),
        expected_version=expected_version,
        triage_note=note[:500],
    )


def verify_tip(
    *, actor, tip: Tip, founded: bool, outcome: str, expected_version: int | None = None
) -> Tip:
    """核查结果: founded or not, with what was found and done."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("请填写核查结果")})
    return _step(
        actor=actor,
        tip=tip,
        sources={TipState.ASSIGNED},
        target=TipState.VERIFIED if founded else TipState.UNFOUNDED,
        label=_("登记核查结果"),
        expected_version=expected_version,
        outcome=outcome,
        verified_at=timezone.now(),
    )


def reveal_tipster(*, actor, tip: Tip, reason: str = "") -> dict[str, str]:
    """The tip-giver's name and phone, for the reward handler only; the reading is audited."""
    require_perm(actor, "tips.view_tipster")
    require_area(actor, tip.area)
    with transaction.atomic():
        audit.record_reveal(actor, tip, ["contact_name", "contact_phone"], reason=reason)
    return {"contact_name": tip.contact_name, "contact_phone": tip.contact_phone}


# --- rewards -----------------------------------------------------------------------------


def record_reward(*, actor, tip: Tip, amount: Decimal, note: str = "") -> Reward:
    """奖励: only for a verified tip given with a name and phone, once."""
    require_perm(actor, "tips.add_reward")
    require_area(actor, tip.area)
    if tip.state != TipState.VERIFIED:
        raise ValidationError({"tip": _("只有经核查属实的线索才能登记奖励")})
    if tip.anonymous:
        # The public form promises rewards to tips given with a name and phone; an
        # anonymous tip-giver cannot be reached, so a reward would be paid to nobody.
        raise ValidationError({"tip": _("匿名举报没有留下联系方式，无法登记和发放奖励")})
    if amount is None or Decimal(amount) <= 0:
        raise ValidationError({"amount": _("奖励金额须大于 0")})
    with transaction.atomic():
        lock_rows(Tip, [tip.pk])  # two desks at once: one reward
        if Reward.objects.filter(tip=tip).exists():
            raise ValidationError({"tip": _("该线索已登记奖励")})
        return audited_create(
            actor,
            Reward,
            tip=tip,
            amount=Decimal(amount),
            note=(note or "").strip()[:200],
            recorded_by=actor,
        )


def mark_reward_paid(
    *, actor, reward: Reward, paid_on: datetime.date, expected_version: int | None = None
) -> Reward:
    require_perm(actor, "tips.change_reward")
    require_area(actor, reward.tip.area)
    if paid_on is None:
        raise ValidationError({"paid_on": _("请填写发放日期")})
    if paid_on < timezone.localtime(reward.created_at).date():
        raise ValidationError({"paid_on": _("发放日期不能早于登记日期")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("发放日期不能晚于今天")})
    with transaction.atomic():
        before = lock_versioned(reward, expected_version)
        if before.paid_on is not None:
            raise ValidationError({"paid_on": _("该奖励已发放")})
        reward.paid_on = paid_on
        reward.version = before.version + 1
        reward.save()
        audit.record_update(actor, before, reward)
    return reward
