"""Every write to cases and contacts goes through these functions; each one that changes a
status fact recomputes the affected residents' status when the transaction commits."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.services import audited_create, lock_versioned, require_area, require_perm
from fangkong.status.services import recompute_on_commit

from .choices import CaseKind, CaseStatus, ContactDegree, ContactState
from .models import Case, Contact


def create_case(
    *,
    actor,
    resident,
    kind: str,
    confirmed_at: datetime.datetime,
    onset_date: datetime.date | None = None,
    code: str = "",
    source: str = "",
    notes: str = "",
) -> Case:
    require_perm(actor, "tracing.add_case")
    require_area(actor, resident.area)
    if kind not in CaseKind.values:
        raise ValidationError({"kind": _("请选择病例类型")})
    if confirmed_at is None:
        raise ValidationError({"confirmed_at": _("请填写确诊时间")})
    if confirmed_at > timezone.now():
        raise ValidationError({"confirmed_at": _("确诊时间不能晚于当前时间")})
    if onset_date and onset_date > timezone.localtime(confirmed_at).date():
        raise ValidationError({"onset_date": _("发病日期不能晚于确诊日期")})
    code = (code or "").strip() or None
    if code and Case.objects.filter(code=code).exists():
        raise ValidationError({"code": _("病例编号已存在")})
    if Case.objects.filter(resident=resident, status=CaseStatus.ACTIVE).exists():
        raise ValidationError({"resident": _("该居民已有在治病例记录")})
    with transaction.atomic():
        case = audited_create(
            actor,
            Case,
            resident=resident,
            code=code,
            kind=kind,
            onset_date=onset_date,
            confirmed_at=confirmed_at,
            source=source.strip(),
            notes=notes,
        )
        recompute_on_commit([resident.pk], cause=_("新增病例"), actor=actor)
    return case


def discharge_case(
    *,
    actor,
    case: Case,
    status: str,
    discharged_at: datetime.datetime,
    expected_version: int | None = None,
    reason: str = "",
) -> Case:
    """Record that a case recovered or left hospital; follow-up is a health assignment."""
    require_perm(actor, "tracing.change_case")
    require_area(actor, case.resident.area)
    if status not in (CaseStatus.RECOVERED, CaseStatus.DISCHARGED):
        raise ValidationError({"status": _("请选择已治愈或已出院")})
    if discharged_at is None or discharged_at < case.confirmed_at:
        raise ValidationError({"discharged_at": _("治愈/出院时间不能早于确诊时间")})
    with transaction.atomic():
        before = lock_versioned(case, expected_version)
        if before.status != CaseStatus.ACTIVE:
            raise ValidationError({"status": _("该病例已不在治疗/隔离中")})
        case.status = status
        case.discharged_at = discharged_at
        case.version = before.version + 1
        case.save()
        audit.record_update(actor, before, case, reason=reason)
        recompute_on_commit([case.resident_id], cause=_("病例治愈/出院"), actor=actor)
    return case


def create_contact(
    *,
    actor,
    resident,
    case: Case,
    degree: str,
    last_exposure: datetime.date,
    reason: str = "",
    confirmed: bool = False,
) -> Contact:
    """Record a (suspected, or directly confirmed) contact of a case."""
    require_perm(actor, "tracing.add_contact")
    require_area(actor, resident.area)
    if degree not in ContactDegree.values:
        raise ValidationError({"degree": _("请选择接触类型")})
    if last_exposure is None:
        raise ValidationError({"last_exposure": _("请填写末次暴露日期")})
    if last_exposure > timezone.localdate():
        raise ValidationError({"last_exposure": _("末次暴露日期不能晚于今天")})
    if case.resident_id == resident.pk:
        raise ValidationError({"resident": _("病例本人不能登记为其接触者")})
    if Contact.objects.filter(resident=resident, case=case, degree=degree).exists():
        raise ValidationError({"resident": _("该居民已登记为此病例的接触者")})
    with transaction.atomic():
        contact = audited_create(
            actor,
            Contact,
            resident=resident,
            case=case,
            degree=degree,
            last_exposure=last_exposure,
            reason=reason.strip(),
            state=ContactState.CONFIRMED if confirmed else ContactState.SUSPECTED,
        )
        if confirmed:
            recompute_on_commit([resident.pk], cause=_("确认接触者"), actor=actor)
    return contact


def _set_contact_state(*, actor, contact: Contact, state: str, reason: str, cause: str):
    require_perm(actor, "tracing.change_contact")
    require_area(actor, contact.resident.area)
    with transaction.atomic():
        before = lock_versioned(contact, None)
        if before.state == state:
            raise ValidationError({"state": _("接触者已是该核实状态")})
        contact.state = state
        if reason:
            contact.reason = reason.strip()
        contact.version = before.version + 1
        contact.save()
        audit.record_update(actor, before, contact, reason=reason)
        recompute_on_commit([contact.resident_id], cause=cause, actor=actor)
    return contact


def confirm_contact(*, actor, contact: Contact, reason: str = "") -> Contact:
    return _set_contact_state(
        actor=actor,
        contact=contact,
        state=ContactState.CONFIRMED,
        reason=reason,
        cause=_("确认接触者"),
    )


def dismiss_contact(*, actor, contact: Contact, reason: str) -> Contact:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("排除接触者须填写原因")})
    return _set_contact_state(
        actor=actor,
        contact=contact,
        state=ContactState.DISMISSED,
        reason=reason,
        cause=_("排除接触者"),
    )
