"""Every write to working groups, shifts, handovers and notices goes through these functions."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.choices import Role
from fangkong.core import audit
from fangkong.core.models.audit import AuditAction
from fangkong.core.scoping import area_visible_to, subtree_ids
from fangkong.core.services import (
    audited_create,
    lock_versioned,
    merged_for_update,
    require_area,
    require_perm,
    save_versioned,
)
from fangkong.core.validators import validate_phone

from .models import Handover, HandoverItem, Notice, NoticeReceipt, Shift, WorkingGroup
from .rules import clean_shift_times
from .selectors import handover_candidates

User = get_user_model()


def _require_people_visible(actor, field: str, people) -> None:
    """People named on a record must be staff the actor can see (their area subtree)."""
    ids = {p.pk for p in people if p is not None}
    if not ids:
        return
    visible = set(User.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if visible != ids:
        raise ValidationError({field: _("所选人员不在您的管辖范围内")})


# --- working groups (专班) -----------------------------------------------------------------

GROUP_FIELDS = ("area", "name", "leader", "description")


def _clean_group(actor, data: dict[str, Any], *, exclude_pk=None) -> dict[str, Any]:
    data = dict(data)
    data["name"] = (data.get("name") or "").strip()
    if not data["name"]:
        raise ValidationError({"name": _("请填写专班名称")})
    data["description"] = (data.get("description") or "").strip()
    members = list(data.get("members") or [])
    leader = data.get("leader")
    if leader is not None and leader not in members:
        members.append(leader)  # the leader is a member too
    data["members"] = members
    _require_people_visible(actor, "members", members)
    dup = WorkingGroup.objects.filter(area=data["area"], name=data["name"])
    if exclude_pk is not None:
        dup = dup.exclude(pk=exclude_pk)
    if dup.exists():
        raise ValidationError({"name": _("该单位已有同名专班")})
    return data


def create_working_group(*, actor, data: dict[str, Any]) -> WorkingGroup:
    require_perm(actor, "duty.add_workinggroup")
    require_area(actor, data.get("area"))
    data = _clean_group(actor, data)
    with transaction.atomic():
        group = WorkingGroup.objects.create(**{f: data.get(f) for f in GROUP_FIELDS})
        group.members.set(data["members"])
        event = audit.event_for(group, AuditAction.CREATE, changes=audit.snapshot(group))
        event.changes["members"] = sorted(m.pk for m in data["members"])
        audit.record(actor, event)
    return group


def update_working_group(
    *, actor, workinggroup: WorkingGroup, data: dict[str, Any], expected_version: int | None
) -> WorkingGroup:
    require_perm(actor, "duty.change_workinggroup")
    require_area(actor, workinggroup.area)
    merged = {f: getattr(workinggroup, f) for f in GROUP_FIELDS}
    merged["members"] = list(workinggroup.members.all())
    merged |= dict(data)
    require_area(actor, merged["area"])
    merged = _clean_group(actor, merged, exclude_pk=workinggroup.pk)
    with transaction.atomic():
        before = lock_versioned(workinggroup, expected_version)
        old_members = sorted(workinggroup.members.values_list("pk", flat=True))
        for f in GROUP_FIELDS:
            setattr(workinggroup, f, merged[f])
        workinggroup.version = before.version + 1
        workinggroup.save()
        workinggroup.members.set(merged["members"])
        changes = audit.diff(before, workinggroup)
        new_members = sorted(m.pk for m in merged["members"])
        if new_members != old_members:
            changes["members"] = [old_members, new_members]
        audit.record(actor, audit.event_for(workinggroup, AuditAction.UPDATE, changes=changes))
    return workinggroup


def delete_working_group(*, actor, workinggroup: WorkingGroup, reason: str = "") -> None:
    require_perm(actor, "duty.delete_workinggroup")
    require_area(actor, workinggroup.area)
    with transaction.atomic():
        audit.record_delete(actor, workinggroup, reason=reason)
        workinggroup.delete()


# --- shifts (值班班次) -------------------------------------------------------------------

SHIFT_FIELDS = ("area", "group", "person", "role", "phone", "start", "end", "note")


def _clean_shift(actor, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if data.get("person") is None:
        raise ValidationError({"person": _("请选择值班人员")})
    data["start"], data["end"] = clean_shift_times(data.get("start"), data.get("end"))
    group = data.get("group")
    if group is not None and group.area_id != data["area"].pk:
        raise ValidationError({"group": _("所选专班不属于该值班单位")})
    _require_people_visible(actor, "person", [data["person"]])
    data["note"] = (data.get("note") or "").strip()
    try:
        data["phone"] = validate_phone(data.get("phone") or "")
    except ValidationError as e:
        raise ValidationError({"phone": e.messages}) from None
    return data


def create_shift(*, actor, data: dict[str, Any]) -> Shift:
    require_perm(actor, "duty.add_shift")
    require_area(actor, data.get("area"))
    data = _clean_shift(actor, data)
    with transaction.atomic():
        return audited_create(actor, Shift, **{f: data.get(f) for f in SHIFT_FIELDS if f in data})


def update_shift(
    *, actor, shift: Shift, data: dict[str, Any], expected_version: int | None
) -> Shift:
    merged = merged_for_update(actor, shift, SHIFT_FIELDS, data, perm="duty.change_shift")
    merged = _clean_shift(actor, merged)
    with transaction.atomic():
        before = lock_versioned(shift, expected_version)
        fields = {f: merged[f] for f in SHIFT_FIELDS}
        if before.covered_for_id is not None and merged["person"].pk == before.covered_for_id:
            # Edited back to the scheduled person: nobody covers any more (not 李四（替 李四）).
            fields |= {"covered_for": None, "cover_reason": ""}
        return save_versioned(actor, shift, before, fields)


def cover_shift(
    *,
    actor,
    shift: Shift,
    person,
    reason: str,
    expected_version: int | None,
    now: datetime.datetime | None = None,
) -> Shift:
    """替班: ``person`` holds ``shift`` instead of whoever holds it now, for ``reason``.

    ``covered_for`` keeps the person the posted roster named: a shift covered again still
    names them (with the latest reason), and covering it back to them clears the cover.
    Every step's reason is on its audit entry. A double booking the cover makes is not
    refused here: the coverage page reports double bookings, as for any edited shift.
    """
    now = now or timezone.now()
    require_perm(actor, "duty.change_shift")
    require_area(actor, shift.area)
    if person is None:
        raise ValidationError({"person": _("请选择替班人员")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写替班原因")})
    limit = Shift._meta.get_field("cover_reason").max_length
    if len(reason) > limit:
        raise ValidationError({"reason": _("替班原因不能超过 %(n)d 字") % {"n": limit}})
    _require_people_visible(actor, "person", [person])
    with transaction.atomic():
        before = lock_versioned(shift, expected_version)
        shift.refresh_from_db()  # only the cover's fields change: the rest as stored
        if before.end <= now:
            raise ValidationError(_("该班次已结束，不能替班"))
        if before.person_id == person.pk:
            raise ValidationError({"person": _("替班人员与当前值班人员相同")})
        scheduled_id = before.covered_for_id or before.person_id
        back = person.pk == scheduled_id  # the scheduled person takes their shift again
        fields = {
            "person": person,
            "covered_for_id": None if back else scheduled_id,
            "cover_reason": "" if back else reason,
        }
        return save_versioned(actor, shift, before, fields, reason=reason)


def delete_shift(*, actor, shift: Shift, reason: str = "") -> None:
    require_perm(actor, "duty.delete_shift")
    require_area(actor, shift.area)
    with transaction.atomic():
        audit.record_delete(actor, shift, reason=reason)
        shift.delete()


# --- handovers (交接班) ------------------------------------------------------------------


def _on_shift_at(actor, area) -> bool:
    """The actor holds a shift of ``area`` (a grid worker on duty at the community)."""
    return Shift.objects.filter(area=area, person=actor).exists()


def create_handover(
    *,
    actor,
    area,
    incoming,
    notes: str,
    new_items: list[str] | tuple[str, ...] = (),
    shift: Shift | None = None,
    now: datetime.datetime | None = None,
) -> Handover:
    """The outgoing person (the actor) hands over: notes, new open items, and every item of
    the unit still open is carried into this handover."""
    now = now or timezone.now()
    require_perm(actor, "duty.add_handover")
    if not (area_visible_to(area, actor) or _on_shift_at(actor, area)):
        raise PermissionDenied(_("该区域不在您的管辖范围内"))
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({"notes": _("请填写交班情况")})
    if incoming is None:
        raise ValidationError({"incoming": _("请选择接班人")})
    if incoming.pk == actor.pk:
        raise ValidationError({"incoming": _("接班人不能是交班人本人")})
    if not handover_candidates(actor, [area]).filter(pk=incoming.pk).exists():
        raise ValidationError({"incoming": _("接班人不是该单位的人员")})
    if shift is not None and (shift.area_id != area.pk or shift.person_id != actor.pk):
        raise ValidationError({"shift": _("所选班次不是您在该单位的班次")})
    items = [t.strip() for t in new_items if t and t.strip()]
    if any(len(t) > 300 for t in items):
        raise ValidationError({"new_items": _("每条交接事项不能超过 300 字")})
    with transaction.atomic():
        carried = list(HandoverItem.objects.filter(area=area, closed_at__isnull=True))
        handover = Handover.objects.create(
            area=area, shift=shift, outgoing=actor, incoming=incoming, handed_at=now, notes=notes
        )
        handover.carried_items.set(carried)
        created = [HandoverItem.objects.create(area=area, handover=handover, text=t) for t in items]
        event = audit.event_for(handover, AuditAction.CREATE, changes=audit.snapshot(handover))
        event.changes["carried_items"] = [i.pk for i in carried]
        events = [event]
        events += [
            audit.event_for(i, AuditAction.CREATE, changes=audit.snapshot(i)) for i in created
        ]
        audit.record_many(actor, events)
    return handover


def acknowledge_handover(
    *, actor, handover: Handover, now: datetime.datetime | None = None
) -> Handover:
    """The incoming person confirms they took over (接班确认)."""
    if handover.incoming_id != actor.pk:
        raise PermissionDenied(_("只有接班人本人可以确认接班"))
    with transaction.atomic():
        before = lock_versioned(handover, None)
        if before.acknowledged_at is not None:
            raise ValidationError({"acknowledged_at": _("已确认接班，无需重复确认")})
        handover.acknowledged_at = now or timezone.now()
        handover.version = before.version + 1
        handover.save(update_fields=["acknowledged_at", "version", "updated_at"])
        audit.record_update(actor, before, handover)
    return handover


def close_handover_item(
    *, actor, item: HandoverItem, note: str = "", now: datetime.datetime | None = None
) -> HandoverItem:
    """Close an open item; it is no longer carried into later handovers."""
    if not (
        (area_visible_to(item.area, actor) and actor.has_perm("duty.change_handoveritem"))
        or _on_shift_at(actor, item.area)
    ):
        raise PermissionDenied(_("您没有办结该事项的权限"))
    with transaction.atomic():
        before = lock_versioned(item, None)
        if before.closed_at is not None:
            raise ValidationError({"closed_at": _("该事项已办结")})
        item.closed_at = now or timezone.now()
        item.closed_by = actor
        item.close_note = (note or "").strip()[:300]
        item.version = before.version + 1
        item.save()
        audit.record_update(actor, before, item)
    return item


# --- notices (通知/指令) and acknowledgment (签收) ------------------------------------------


def resolve_recipients(target_areas, target_roles, *, exclude=None):
    """Active users in any of the target subtrees, limited to the roles if any are given."""
    qs = User.objects.none()
    for area in target_areas:
        qs = qs | User.objects.filter(area__in=subtree_ids(area))
    qs = qs.filter(is_active=True, area__isnull=False)
    if target_roles:
        qs = qs.filter(role__in=list(target_roles))
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.select_related("area").order_by("pk").distinct()


def send_notice(
    *,
    actor,
    sender_area,
    title: str,
    body: str,
    target_areas=(),
    target_roles=(),
    kind: str = "notice",
    deadline: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Notice:
    """Send a notice: its recipients are resolved now and stored, one receipt each."""
    now = now or timezone.now()
    require_perm(actor, "duty.add_notice")
    require_area(actor, sender_area)
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题")})
    if not body:
        raise ValidationError({"body": _("请填写正文")})
    target_areas = list(target_areas or [])
    if not target_areas and target_roles:
        target_areas = [sender_area]  # "to all grid workers": the sender's whole subtree
    if not target_areas:
        raise ValidationError({"target_areas": _("请选择接收单位")})
    if any(not a.path.startswith(sender_area.path) for a in target_areas):
        raise ValidationError({"target_areas": _("接收单位必须在发文单位的辖区内")})
    roles = sorted(set(target_roles or []))
    if any(r not in Role.values for r in roles):
        raise ValidationError({"target_roles": _("接收角色无效")})
    if deadline is not None and deadline <= now:
        raise ValidationError({"deadline": _("签收期限必须晚于当前时间")})
    recipients = list(resolve_recipients(target_areas, roles, exclude=actor))
    if not recipients:
        raise ValidationError({"target_areas": _("所选单位和角色下没有可接收的人员")})
    with transaction.atomic():
        notice = Notice.objects.create(
            sender_area=sender_area,
            kind=kind,
            title=title,
            body=body,
            deadline=deadline,
            sent_by=actor,
            sent_at=now,
            target_roles=roles,
            recipient_count=len(recipients),
        )
        notice.target_areas.set(target_areas)
        receipts = NoticeReceipt.objects.bulk_create(
            [NoticeReceipt(notice=notice, user=u, area=u.area, role=u.role) for u in recipients]
        )
        event = audit.event_for(notice, AuditAction.CREATE, changes=audit.snapshot(notice))
        event.changes["target_areas"] = sorted(a.pk for a in target_areas)
        event.changes["recipients"] = [u.pk for u in recipients]
        events = [event]
        events += [
            audit.event_for(r, AuditAction.CREATE, changes=audit.snapshot(r)) for r in receipts
        ]
        audit.record_many(actor, events)
    return notice


def acknowledge_notice(
    *, actor, notice: Notice, now: datetime.datetime | None = None
) -> NoticeReceipt:
    """The recipient signs (签收). Signing again changes nothing."""
    receipt = NoticeReceipt.objects.filter(notice=notice, user=actor).first()
    if receipt is None:
        raise PermissionDenied(_("您不是该通知的接收人"))
    if receipt.acknowledged_at is not None:
        return receipt
    with transaction.atomic():
        before = lock_versioned(receipt, None)
        if before.acknowledged_at is not None:
            return before
        receipt.acknowledged_at = now or timezone.now()
        receipt.version = before.version + 1
        receipt.save(update_fields=["acknowledged_at", "version", "updated_at"])
        audit.record_update(actor, before, receipt)
    return receipt


def remind_unacknowledged(
    *, actor, notice: Notice, now: datetime.datetime | None = None
) -> list[NoticeReceipt]:
    """Remind (催办) every recipient who has not signed; returns their receipts."""
    now = now or timezone.now()
    require_perm(actor, "duty.remind_notice")
    require_area(actor, notice.sender_area)
    with transaction.atomic():
        pending = list(
            NoticeReceipt.objects.select_for_update()
            .filter(notice=notice, acknowledged_at__isnull=True)
            .select_related("area", "user")
            .order_by("pk")
        )
        if not pending:
            return []
        NoticeReceipt.objects.filter(pk__in=[r.pk for r in pending]).update(
            reminded_at=now, remind_count=F("remind_count") + 1, version=F("version") + 1
        )
        events = []
        for r in pending:
            events.append(
                audit.event_for(
                    r,
                    AuditAction.UPDATE,
                    changes={
                        "reminded_at": [audit._plain(r.reminded_at), now.isoformat()],
                        "remind_count": [r.remind_count, r.remind_count + 1],
                    },
                )
            )
            r.reminded_at, r.remind_count = now, r.remind_count + 1
        audit.record_many(actor, events)
    return pending
