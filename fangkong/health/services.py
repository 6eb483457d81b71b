"""Every write to quarantine/monitoring assignments, check-ins, alerts, nucleic-acid tests
and health certificates goes through these functions."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.models.audit import AuditAction
from fangkong.core.scoping import area_visible_to
from fangkong.core.services import (
    audited_create,
    lock_rows,
    lock_versioned,
    require_area,
    require_perm,
    save_versioned,
)
from fangkong.formats import joined
from fangkong.status.clock import at_local, local_date
from fangkong.status.services import end_overrides_for_new_fact, recompute_on_commit

from . import retention
from .choices import (
    CATEGORY_KINDS,
    SLOT_START_HOUR,
    AlertKind,
    AssignmentKind,
    AssignmentState,
    CheckInSource,
    NatResult,
    NatReview,
    Slot,
)
from .models import Alert, Assignment, CheckIn, HealthCertificate, NucleicAcidTest
from .rules import clean_temperature, encode_symptoms, is_fever
from .selectors import holder_problem, overdue_checkins

# --- assignments -------------------------------------------------------------------------

# An assignment may be planned a little ahead (a returnee reports three days before
# arriving, 提前三天报备); a start further out is a mistyped year, not a plan.
START_MARGIN = datetime.timedelta(days=3)


def check_responsible(area, responsible) -> None:
    """责任网格员 (if any): an active account that sees the person's grid."""
    if responsible is None:
        return
    if not responsible.is_active:
        raise ValidationError({"responsible": _("该账号已停用，不能作为责任网格员")})
    if not area_visible_to(area, responsible):
        raise ValidationError({"responsible": _("责任网格员不负责该居民所在的网格")})


def _running_in_category(
    resident, kind: str, start_date, end_date, *, exclude: int | None = None
) -> Assignment | None:
    family = next(kinds for kinds in CATEGORY_KINDS.values() if kind in kinds)
    return (
        Assignment.objects.filter(
            resident=resident,
            kind__in=family,
            state=AssignmentState.ACTIVE,
            start_date__lte=end_date,
            end_date__gte=start_date,
        )
        .exclude(pk=exclude)
        .first()
    )


def check_period(kind: str, start_date, end_date, *, today: datetime.date) -> None:
    """A new assignment's kind and dates, without the database (form and import)."""
    if kind not in AssignmentKind.values:
        raise ValidationError({"kind": _("请选择隔离/监测类型")})
    if start_date is None:
        raise ValidationError({"start_date": _("请填写开始日期")})
    if start_date > today + START_MARGIN:
        raise ValidationError(
            {"start_date": _("开始日期最多只能晚于今天 %(n)d 天") % {"n": START_MARGIN.days}}
        )
    if end_date is None or end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})


def check_new_assignment(
    *,
    resident,
    kind: str,
    start_date,
    end_date,
    responsible=None,
    today: datetime.date | None = None,
) -> None:
    """Every rule a new assignment meets, whether entered on the form or imported."""
    check_period(kind, start_date, end_date, today=today or local_date(timezone.now()))
    check_responsible(resident.area, responsible)
    # One running assignment per category (隔离, 健康监测): home and central quarantine at
    # once would count the person twice among 隔离中人员; a transfer releases the first.
    overlapping = _running_in_category(resident, kind, start_date, end_date)
    if overlapping is not None:
        raise ValidationError(
            {
                "start_date": _(
                    "该居民在此期间已有进行中的%(kind)s安排；如需转换方式，请先解除原安排"
                )
                % {"kind": overlapping.get_kind_display()}
            }
        )


def lock_assignment_residents(resident_ids) -> None:
    """``lock_rows`` for the assignment rules, which read a resident's other assignments (a
    person with none yet has no assignment row to lock): taken by the form, the 协查名单
    import, an extension and 转隔离, always before the assignments themselves."""
    from fangkong.registry.models import Resident

    lock_rows(Resident, resident_ids)


def check_new_end_date(before: Assignment, end_date: datetime.date) -> None:
    """A stored assignment's new end date (修改, or the same arrangement imported again):
    running, never earlier (that is a release, with its note), and not extended into
    another running assignment of its category."""
    if before.state != AssignmentState.ACTIVE:
        raise ValidationError({"end_date": _("该安排已解除，不能再修改")})
    if end_date < before.end_date:
        raise ValidationError(
            {
                "end_date": _(
                    "结束日期只能延后（原为 %(date)s）；提前结束请用“解除隔离/监测”并填写说明"
                )
                % {"date": before.end_date.isoformat()}
            }
        )
    if end_date > before.end_date:
        overlapping = _running_in_category(
            before.resident_id, before.kind, before.start_date, end_date, exclude=before.pk
        )
        if overlapping is not None:
            raise ValidationError(
                {
                    "end_date": _("延长后与该居民另一项进行中的%(kind)s安排重叠")
                    % {"kind": overlapping.get_kind_display()}
                }
            )


def create_assignment(
    *,
    actor,
    resident,
    kind: str,
    start_date: datetime.date,
    end_date: datetime.date,
    place: str = "",
    responsible=None,
    doctor: str = "",
    contact=None,
) -> Assignment:
    """``contact``: the case's contact this quarantine is for (``tracing.quarantine_contacts``)."""
    require_perm(actor, "health.add_assignment")
    require_area(actor, resident.area)
    with transaction.atomic():
        lock_assignment_residents([resident.pk])
        check_new_assignment(
            resident=resident,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
            responsible=responsible,
        )
        assignment = audited_create(
            actor,
            Assignment,
            resident=resident,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
            place=place,
            responsible=responsible,
            doctor=doctor.strip(),
            contact=contact,
        )
        end_overrides_for_new_fact([resident.pk], cause=_("新增隔离/监测安排"), actor=actor)
        recompute_on_commit([resident.pk], cause=_("新增隔离/监测安排"), actor=actor)
    return assignment


def change_assignment(
    *,
    actor,
    assignment: Assignment,
    responsible=None,
    end_date: datetime.date | None = None,
    doctor: str = "",
    expected_version: int | None = None,
) -> Assignment:
    """A running assignment's 责任网格员 (a grid worker leaving hands their people over), its
    责任医生, or a later end date (延长隔离/监测). Ending it earlier is a release, with its note."""
    require_perm(actor, "health.change_assignment")
    require_area(actor, assignment.resident.area)
    if end_date is None:
        raise ValidationError({"end_date": _("请填写结束日期")})
    with transaction.atomic():
        # The resident before the assignment, in the order creating and importing lock them.
        lock_assignment_residents([assignment.resident_id])
        before = lock_versioned(assignment, expected_version)
        check_new_end_date(before, end_date)
        check_responsible(assignment.resident.area, responsible)
        reasons = []
        if getattr(responsible, "pk", None) != before.responsible_id:
            reasons.append(_("更换责任网格员"))
        if end_date != before.end_date:
            reasons.append(_("延长至 %(date)s") % {"date": end_date.isoformat()})
        changed = {"responsible": responsible, "end_date": end_date, "doctor": doctor.strip()}
        save_versioned(actor, assignment, before, changed, reason="；".join(reasons))
        if end_date != before.end_date:
            recompute_on_commit([assignment.resident_id], cause=_("延长隔离/监测"), actor=actor)
    return assignment


def hand_over_assignments(*, actor, outgoing, incoming) -> int:
    """网格员交接: every running assignment in the actor's area whose 责任网格员 is
    ``outgoing`` (leaving or moved) goes to ``incoming``, audited one by one; all or none —
    a person outside the incoming worker's grid refuses the whole handover. Returns how many."""
    require_perm(actor, "health.change_assignment")
    if outgoing is None or incoming is None:
        raise ValidationError({"incoming": _("请选择原责任网格员和接手网格员")})
    if outgoing.pk == incoming.pk:
        raise ValidationError({"incoming": _("接手网格员不能是原责任网格员本人")})
    if not incoming.is_active:
        raise ValidationError({"incoming": _("该账号已停用，不能作为责任网格员")})
    with transaction.atomic():
        running = list(
            Assignment.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("resident__area")
            .filter(responsible=outgoing, state=AssignmentState.ACTIVE)
            .order_by("pk")
        )
        if not running:
            raise ValidationError({"outgoing": _("该网格员名下没有进行中的隔离/监测安排")})
        outside = sorted(
            {
                a.resident.area.name
                for a in running
                if not area_visible_to(a.resident.area, incoming)
            }
        )
        if outside:
            raise ValidationError(
                {
                    "incoming": _("接手网格员不负责以下网格，未作任何移交：%(areas)s")
                    % {"areas": joined(outside)}
                }
            )
        reason = _("网格员交接：%(old)s → %(new)s") % {
            "old": outgoing.display_name,
            "new": incoming.display_name,
        }
        for assignment in running:
            before = Assignment.objects.get(pk=assignment.pk)
            save_versioned(actor, assignment, before, {"responsible": incoming}, reason=reason)
    return len(running)


def release_assignment(
    *,
    actor,
    assignment: Assignment,
    note: str = "",
    now: datetime.datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """End an assignment with a record (who, when, note); early release needs a note."""
    now = now or timezone.now()
    require_perm(actor, "health.release_assignment")
    require_area(actor, assignment.resident.area)
    if local_date(now) < assignment.end_date and not (note or "").strip():
        raise ValidationError({"release_note": _("提前解除须填写说明")})
    with transaction.atomic():
        before = lock_versioned(assignment, expected_version)
        if before.state != AssignmentState.ACTIVE:
            raise ValidationError({"state": _("该安排已解除")})
        assignment.state = AssignmentState.RELEASED
        assignment.released_at = now
        assignment.released_by = actor
        assignment.release_note = (note or "").strip()
        assignment.version = before.version + 1
        assignment.save()
        audit.record_update(actor, before, assignment, reason=assignment.release_note)
        recompute_on_commit([assignment.resident_id], cause=_("解除隔离/监测"), actor=actor)
    return assignment


# --- check-ins and alerts ----------------------------------------------------------------


def _alert_for(checkin: CheckIn) -> tuple[str, str] | None:
    labels = joined(checkin.symptom_labels())
    when = _("%(d)s %(s)s") % {"d": checkin.date.isoformat(), "s": checkin.get_slot_display()}
    if is_fever(checkin.temperature):
        message = _("发热：体温 %(t)s℃（%(w)s）") % {"t": checkin.temperature, "w": when}
        if labels:
            message += _("，伴%(s)s") % {"s": labels}
        return AlertKind.FEVER, message
    if labels:
        return AlertKind.SYMPTOM, _("出现症状：%(s)s（%(w)s）") % {"s": labels, "w": when}
    return None


def _raise_alert(actor, checkin: CheckIn) -> Alert | None:
    found = _alert_for(checkin)
    if found is None:
        return None
    kind, message = found
    alert, created = Alert.objects.get_or_create(
        assignment=checkin.assignment,
        date=checkin.date,
        slot=checkin.slot,
        kind=kind,
        defaults={"checkin": checkin, "message": message[:200]},
    )
    if created:
        audit.record_create(actor, alert)
    return alert


def _settle_alerts(actor, checkin: CheckIn, now: datetime.datetime) -> None:
    """A corrected check-in: its open fever/symptom alerts follow the corrected reading. One
    that no longer applies is marked handled (by whoever corrected it); one that still
    applies gets the corrected text."""
    found = _alert_for(checkin)
    kind, message = found if found is not None else (None, "")
    stale = Alert.objects.select_for_update().filter(
        assignment=checkin.assignment_id,
        date=checkin.date,
        slot=checkin.slot,
        kind__in=(AlertKind.FEVER, AlertKind.SYMPTOM),
        acknowledged_at__isnull=True,
    )
    for alert in stale:
        before = Alert.objects.get(pk=alert.pk)
        if alert.kind == kind:
            alert.message = message[:200]
            reason = _("打卡已更正")
        else:
            alert.acknowledged_by, alert.acknowledged_at = actor, now
            reason = _("打卡已更正，该预警不再适用")
        alert.version = before.version + 1
        alert.save()
        audit.record_update(actor, before, alert, reason=reason)


def save_checkin(
    *, actor, assignment: Assignment, date, slot, temperature, symptoms, source, now
) -> tuple[CheckIn, bool]:
    """A half-day check-in once the caller has decided who may report it (staff by permission
    and area, the person by their link, a party member by their 包联): the slot's and the
    values' checks, the write, the alerts. The same values again are a no-op."""
    if assignment.state != AssignmentState.ACTIVE:
        raise ValidationError({"assignment": _("该隔离/监测安排已解除，无需再打卡")})
    if slot not in Slot.values:
        raise ValidationError({"slot": _("请选择上午或下午")})
    if date is None or date > local_date(now):
        raise ValidationError({"date": _("打卡日期不能晚于今天")})
    begins = at_local(date, SLOT_START_HOUR[slot])
    if now < begins:
        raise ValidationError(
            {
                "slot": _("%(slot)s时段尚未开始，%(at)s 起可填报")
                % {"slot": Slot(slot).label, "at": f"{begins:%H:%M}"}
            }
        )
    if not assignment.start_date <= date <= assignment.end_date:
        raise ValidationError({"date": _("打卡日期不在隔离/监测期内")})
    temperature = clean_temperature(temperature)
    symptoms = encode_symptoms(symptoms)
    with transaction.atomic():
        existing = (
            CheckIn.objects.select_for_update()
            .filter(assignment=assignment, date=date, slot=slot)
            .first()
        )
        if existing is not None:
            if existing.temperature == temperature and existing.symptoms == symptoms:
                return existing, False
            if source == CheckInSource.SELF:
                raise ValidationError({"slot": _("该时段已填报，如需更正请联系网格员")})
            before = CheckIn.objects.get(pk=existing.pk)
            existing.temperature, existing.symptoms = temperature, symptoms
            existing.source, existing.recorded_by, existing.recorded_at = source, actor, now
            existing.version = before.version + 1
            existing.save()
            audit.record_update(actor, before, existing, reason=_("更正打卡"))
            _settle_alerts(actor, existing, now)
            _raise_alert(actor, existing)
            return existing, False
        checkin = audited_create(
            actor,
            CheckIn,
            assignment=assignment,
            date=date,
            slot=slot,
            temperature=temperature,
            symptoms=symptoms,
            source=source,
            recorded_by=actor,
            recorded_at=now,
        )
        _raise_alert(actor, checkin)
    return checkin, True


def record_checkin(
    *,
    actor,
    assignment: Assignment,
    date: datetime.date,
    slot: str,
    temperature,
    symptoms=(),
    now: datetime.datetime | None = None,
) -> tuple[CheckIn, bool]:
    """Staff enter a slot's temperature and symptoms; sending the same again is a no-op."""
    require_perm(actor, "health.add_checkin")
    require_area(actor, assignment.resident.area)
    return save_checkin(
        actor=actor,
        assignment=assignment,
        date=date,
        slot=slot,
        temperature=temperature,
        symptoms=symptoms,
        source=CheckInSource.STAFF,
        now=now or timezone.now(),
    )


def record_self_checkin(
    *,
    token: str,
    date: datetime.date,
    slot: str,
    temperature,
    symptoms=(),
    now: datetime.datetime | None = None,
) -> tuple[CheckIn, bool]:
    """The person reports through their link; the token names the assignment."""
    assignment = (
        Assignment.objects.select_related("resident")
        .filter(checkin_token=token or "", state=AssignmentState.ACTIVE)
        .first()
    )
    if not token or assignment is None:
        raise PermissionDenied(_("填报链接无效或隔离/监测已解除"))
    return save_checkin(
        actor=None,
        assignment=assignment,
        date=date,
        slot=slot,
        temperature=temperature,
        symptoms=symptoms,
        source=CheckInSource.SELF,
        now=now or timezone.now(),
    )


def acknowledge_alert(*, actor, alert: Alert, now: datetime.datetime | None = None) -> Alert:
    require_perm(actor, "health.change_alert")
    require_area(actor, alert.assignment.resident.area)
    with transaction.atomic():
        before = lock_versioned(alert, None)
        if before.acknowledged_at is not None:
            raise ValidationError({"acknowledged_at": _("该预警已处理")})
        alert.acknowledged_by = actor
        alert.acknowledged_at = now or timezone.now()
        alert.version = before.version + 1
        alert.save()
        audit.record_update(actor, before, alert)
    return alert


def raise_overdue_alerts(*, now: datetime.datetime | None = None) -> int:
    """Create an overdue alert for every missed slot that has none yet; returns how many."""
    now = now or timezone.now()
    missing = overdue_checkins(Assignment.objects.all(), now)
    if not missing:
        return 0
    with transaction.atomic():
        have = set(
            Alert.objects.filter(
                kind=AlertKind.OVERDUE, assignment_id__in={m.assignment.pk for m in missing}
            ).values_list("assignment_id", "date", "slot")
        )
        new = [
            Alert(
                assignment=m.assignment,
                kind=AlertKind.OVERDUE,
                date=m.date,
                slot=m.slot,
                message=(
                    _("逾期未报：%(d)s %(s)s 未填报体温")
                    % {"d": m.date.isoformat(), "s": Slot(m.slot).label}
                ),
            )
            for m in missing
            if (m.assignment.pk, m.date, m.slot) not in have
        ]
        # Missing keys were checked under this transaction; a concurrent run fails on the
        # unique constraint instead of doubling alerts.
        Alert.objects.bulk_create(new, batch_size=500)
        events = [audit.event_for(a, AuditAction.CREATE, changes=audit.snapshot(a)) for a in new]
        audit.record_many(None, events)
    return len(new)


# --- nucleic-acid tests ------------------------------------------------------------------


def record_nat_result(
    *,
    actor,
    resident,
    sampled_at: datetime.datetime,
    result: str,
    institution: str,
    reported_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> tuple[NucleicAcidTest, bool]:
    """Record a sample or its result; the same sample sent again changes nothing, and a
    pending sample takes its result when it arrives."""
    now = now or timezone.now()
    require_perm(actor, "health.add_nucleicacidtest")
    require_area(actor, resident.area)
    if result not in NatResult.values:
        raise ValidationError({"result": _("检测结果应为阴性、阳性或待出结果")})
    if sampled_at is None:
        raise ValidationError({"sampled_at": _("请填写采样时间")})
    if sampled_at > now:
        raise ValidationError({"sampled_at": _("采样时间不能晚于当前时间")})
    # An older result counts for nothing and would be purged at once (a typo: 0212 for 2022).
    oldest = now - datetime.timedelta(days=retention.NUCLEIC_ACID_TESTS.period_days)
    if sampled_at < oldest:
        raise ValidationError(
            {
                "sampled_at": _("采样时间早于 %(day)s，超出核酸检测记录的保存期限，请核对")
                % {"day": timezone.localtime(oldest).date().isoformat()}
            }
        )
    institution = (institution or "").strip()
    if not institution:
        raise ValidationError({"institution": _("请填写检测机构")})
    if reported_at is not None and reported_at < sampled_at:
        raise ValidationError({"reported_at": _("报告时间不能早于采样时间")})
    with transaction.atomic():
        existing = (
            NucleicAcidTest.objects.select_for_update()
            .filter(resident=resident, sampled_at=sampled_at, institution=institution)
            .first()
        )
        if existing is not None:
            if existing.result == result:
                return existing, False
            if existing.result != NatResult.PENDING:
                raise ValidationError({"result": _("该样本已有检测结果，不能改为其他结果")})
            before = NucleicAcidTest.objects.get(pk=existing.pk)
            existing.result, existing.reported_at = result, reported_at
            existing.version = before.version + 1
            existing.save()
            audit.record_update(actor, before, existing)
            test, created = existing, False
        else:
            test = audited_create(
                actor,
                NucleicAcidTest,
                resident=resident,
                sampled_at=sampled_at,
                result=result,
                institution=institution,
                reported_at=reported_at,
            )
            created = True
        if result == NatResult.POSITIVE:
            end_overrides_for_new_fact([resident.pk], cause=_("核酸阳性"), actor=actor)
        if result != NatResult.PENDING:
            recompute_on_commit([resident.pk], cause=_("核酸检测结果"), actor=actor)
    return test, created


def review_nat_result(
    *,
    actor,
    test: NucleicAcidTest,
    outcome: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> NucleicAcidTest:
    """A person resolves a positive result: confirmed as a case, or excluded on review."""
    require_perm(actor, "health.review_nucleicacidtest")
    require_area(actor, test.resident.area)
    if outcome not in (NatReview.CASE, NatReview.EXCLUDED):
        raise ValidationError({"review": _("请选择复核结论")})
    if outcome == NatReview.EXCLUDED and not (note or "").strip():
        raise ValidationError({"review_note": _("复核排除须填写说明")})
    with transaction.atomic():
        before = lock_versioned(test, None)
        if before.result != NatResult.POSITIVE:
            raise ValidationError({"result": _("只有阳性结果需要复核")})
        if before.review:
            raise ValidationError({"review": _("该结果已复核")})
        # The person's colour follows the case record, not this label: confirming without
        # one would turn a positive person green.
        if outcome == NatReview.CASE and not _has_case(test.resident_id):
            raise ValidationError(
                {"review": _("该居民尚无病例记录，请先在“病例”中登记确诊病例，再复核为已确诊")}
            )
        test.review, test.review_note = outcome, (note or "").strip()
        test.reviewed_by, test.reviewed_at = actor, now or timezone.now()
        test.version = before.version + 1
        test.save()
        audit.record_update(actor, before, test, reason=test.review_note)
        recompute_on_commit([test.resident_id], cause=_("核酸阳性复核"), actor=actor)
    return test


def _has_case(resident_id: int) -> bool:
    from fangkong.tracing.choices import CaseStatus
    from fangkong.tracing.models import Case

    return Case.objects.filter(resident_id=resident_id).exclude(status=CaseStatus.VOIDED).exists()


def resolve_positives_by_case(*, actor, resident, confirmed_at: datetime.datetime) -> int:
    """A case recorded for ``resident`` settles their positive results sampled up to its
    confirmation (复核：已确诊): the case now carries the red, and its recovery ends it."""
    return _set_positives_review(
        actor, resident, confirmed_at, NatReview.NONE, NatReview.CASE, _("登记病例")
    )


def reopen_positives_of_voided_case(*, actor, resident, confirmed_at: datetime.datetime) -> int:
    """A voided case no longer settles the positives it settled: unless another case of the
    person still stands, they are 待复核 again (a reviewer excludes them with a note)."""
    if _has_case(resident.pk):
        return 0
    return _set_positives_review(
        actor,
        resident,
        confirmed_at,
        NatReview.CASE,
        NatReview.NONE,
        _("病例已撤销，阳性结果待复核"),
    )


def _set_positives_review(actor, resident, confirmed_at, was: str, to: str, reason: str) -> int:
    """Move ``resident``'s positive results sampled up to ``confirmed_at`` from review
    ``was`` to ``to`` (settled by a case, or 待复核 again), each audited with ``reason``."""
    tests = list(
        NucleicAcidTest.objects.select_for_update().filter(
            resident=resident, result=NatResult.POSITIVE, review=was, sampled_at__lte=confirmed_at
        )
    )
    settled = to != NatReview.NONE
    for test in tests:
        before = NucleicAcidTest.objects.get(pk=test.pk)
        test.review, test.review_note = to, reason if settled else ""
        test.reviewed_by, test.reviewed_at = (actor, timezone.now()) if settled else (None, None)
        test.version = before.version + 1
        test.save()
        audit.record_update(actor, before, test, reason=reason)
    return len(tests)


# --- health certificates -----------------------------------------------------------------


def certificate_refusal(
    assignment: Assignment, *, now: datetime.datetime | None = None
) -> str | None:
    """Why a 健康证明 cannot be issued for ``assignment`` now (None: it can); the detail page
    offers the button only when this is None."""
    if assignment.state != AssignmentState.RELEASED:
        return _("隔离/监测尚未解除，不能开具健康证明")
    if local_date(assignment.released_at) < assignment.end_date:
        return _("未完成隔离/监测期（提前解除），不能开具健康证明")
    if HealthCertificate.objects.filter(assignment=assignment, revoked=False).exists():
        return _("该安排已开具有效的健康证明")
    problem = holder_problem(assignment.resident, now)
    if problem is not None:
        return _("%(problem)s，不能开具健康证明") % {"problem": problem}
    return None


def issue_certificate(
    *, actor, assignment: Assignment, now: datetime.datetime | None = None
) -> HealthCertificate:
    """健康证明 for a released assignment whose whole period was completed, to a person who is
    green now and has no open case."""
    require_perm(actor, "health.add_healthcertificate")
    require_area(actor, assignment.resident.area)
    with transaction.atomic():
        lock_rows(Assignment, [assignment.pk])  # two clicks at two desks: one certificate
        refusal = certificate_refusal(assignment, now=now)
        if refusal is not None:
            raise ValidationError({"assignment": refusal})
        certificate = audited_create(
            actor,
            HealthCertificate,
            resident=assignment.resident,
            assignment=assignment,
            issued_by=actor,
            issued_at=now or timezone.now(),
        )
    return certificate


def revoke_certificate(
    *, actor, certificate: HealthCertificate, reason: str, now: datetime.datetime | None = None
) -> HealthCertificate:
    require_perm(actor, "health.revoke_healthcertificate")
    require_area(actor, certificate.resident.area)
    if not (reason or "").strip():
        raise ValidationError({"revoked_reason": _("作废健康证明须填写原因")})
    with transaction.atomic():
        before = lock_versioned(certificate, None)
        if before.revoked:
            raise ValidationError({"revoked": _("该健康证明已作废")})
        certificate.revoked = True
        certificate.revoked_reason = reason.strip()
        certificate.revoked_by = actor
        certificate.revoked_at = now or timezone.now()
        certificate.version = before.version + 1
        certificate.save()
        audit.record_update(actor, before, certificate, reason=certificate.revoked_reason)
    return certificate


def certificate_pdf(*, actor, certificate: HealthCertificate, base_url: str = "") -> bytes:
    """The printable certificate (full name on paper): a recorded reveal of the name."""
    from .pdf import render_certificate

    require_perm(actor, "health.view_healthcertificate")
    require_area(actor, certificate.resident.area)
    data = render_certificate(certificate, base_url=base_url)
    audit.record_reveal(actor, certificate.resident, ["name"], reason=_("打印健康证明"))
    return data
