"""Every write to inspection groups, checklists, tasks, visits, problems and daily summaries
goes through these functions: permission, scope, validation, save and audit in one
transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.images import clean_photo
from fangkong.core.models.audit import AuditAction
from fangkong.core.services import (
    audited_create,
    lock_rows,
    lock_versioned,
    require_area,
    require_perm,
)
from fangkong.formats import joined
from fangkong.status.clock import local_date

from . import rules, selectors
from .choices import (
    AnswerResult,
    PhotoKind,
    ProblemAction,
    ProblemState,
    Severity,
    TargetKind,
    TaskState,
    VisitMode,
)
from .models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    InspectionGroup,
    InspectionTask,
    Photo,
    Problem,
    ProblemEvent,
    ProblemSummary,
    Visit,
)

MAX_PHOTOS = 9


def _text(data: dict, key: str) -> str:
    return (data.get(key) or "").strip()


def _require_inside(areas: Iterable[Area], root: Area, field: str) -> None:
    for a in areas:
        if not a.is_within(root):
            raise ValidationError({field: _("“%(name)s”不在组建单位的辖区内") % {"name": a.name}})


def _m2m_changes(group: InspectionGroup) -> dict[str, list[int]]:
    return {
        "members": sorted(group.members.values_list("pk", flat=True)),
        "assigned_areas": sorted(group.assigned_areas.values_list("pk", flat=True)),
    }


def _record_created(actor, rows: Iterable) -> None:
    """Audit entries for rows inserted with ``bulk_create``."""
    audit.record_many(
        actor, [audit.event_for(r, AuditAction.CREATE, changes=audit.snapshot(r)) for r in rows]
    )


# --- inspection groups -------------------------------------------------------------------


def _clean_group(actor, data: dict) -> tuple[dict, list, list]:
    area = data.get("area")
    if area is None:
        raise ValidationError({"area": _("请选择组建单位")})
    require_area(actor, area)
    name = _text(data, "name")
    if not name:
        raise ValidationError({"name": _("请填写督导组名称")})
    assigned = list(data.get("assigned_areas") or [])
    if not assigned:
        raise ValidationError({"assigned_areas": _("请至少选择一个督导区域")})
    _require_inside(assigned, area, "assigned_areas")
    members = list(data.get("members") or [])
    leader = data.get("leader")
    if leader is not None and leader not in members:
        members.append(leader)
    fields = {
        "name": name,
        "area": area,
        "leader": leader,
        "focus": _text(data, "focus"),
        "active": data.get("active", True),
    }
    return fields, members, assigned


def create_group(*, actor, data: dict) -> InspectionGroup:
    """督导组: name, forming office, leader, members and the area subtrees it inspects."""
    require_perm(actor, "supervision.add_inspectiongroup")
    fields, members, assigned = _clean_group(actor, data)
    with transaction.atomic():
        group = InspectionGroup.objects.create(**fields)
        group.members.set(members)
        group.assigned_areas.set(assigned)
        changes = audit.snapshot(group) | _m2m_changes(group)
        audit.record(actor, audit.event_for(group, AuditAction.CREATE, changes=changes))
    return group


def update_group(
    *, actor, inspectiongroup: InspectionGroup, data: dict, expected_version: int | None = None
) -> InspectionGroup:
    require_perm(actor, "supervision.change_inspectiongroup")
    require_area(actor, inspectiongroup.area)
    fields, members, assigned = _clean_group(actor, data)
    with transaction.atomic():
        before = lock_versioned(inspectiongroup, expected_version)
        old_m2m = _m2m_changes(before)
        group = inspectiongroup
        for k, v in fields.items():
            setattr(group, k, v)
        group.version = before.version + 1
        group.save()
        group.members.set(members)
        group.assigned_areas.set(assigned)
        changes = audit.diff(before, group)
        for key, new in _m2m_changes(group).items():
            if new != old_m2m[key]:
                changes[key] = [old_m2m[key], new]
        audit.record(actor, audit.event_for(group, AuditAction.UPDATE, changes=changes))
    return group


# --- checklists and tasks ----------------------------------------------------------------


def create_checklist(*, actor, data: dict) -> ChecklistTemplate:
    """检查清单: a name and its items, one per line of ``items`` (a list of strings)."""
    require_perm(actor, "supervision.add_checklisttemplate")
    area = data.get("area")
    if area is None:
        raise ValidationError({"area": _("请选择制定单位")})
    require_area(actor, area)
    name = _text(data, "name")
    if not name:
        raise ValidationError({"name": _("请填写清单名称")})
    items = [t.strip() for t in data.get("items") or [] if t and t.strip()]
    if not items:
        raise ValidationError({"items": _("请至少填写一个检查项")})
    too_long = [str(i) for i, t in enumerate(items, 1) if len(t) > 200]
    if too_long:
        raise ValidationError(
            {"items": _("第 %(n)s 项超过 200 字，请精简") % {"n": joined(too_long)}}
        )
    with transaction.atomic():
        template = audited_create(actor, ChecklistTemplate, name=name, area=area)
        created = ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, position=i, text=t) for i, t in enumerate(items, 1)
        )
        _record_created(actor, created)
    return template


def _require_assigned(group: InspectionGroup, area: Area, field: str = "area") -> None:
    if not any(area.is_within(a) for a in group.assigned_areas.all()):
        raise ValidationError({field: _("该区域不在此督导组的督导范围内")})


def create_task(*, actor, data: dict) -> InspectionTask:
    """督导任务: a group, the area to inspect, a date, 明查 or 暗访 and a checklist."""
    require_perm(actor, "supervision.add_inspectiontask")
    group, area = data.get("group"), data.get("area")
    if group is None:
        raise ValidationError({"group": _("请选择督导组")})
    if area is None:
        raise ValidationError({"area": _("请选择督导区域")})
    require_area(actor, area)
    _require_assigned(group, area)
    title = _text(data, "title")
    if not title:
        raise ValidationError({"title": _("请填写任务名称")})
    if data.get("planned_date") is None:
        raise ValidationError({"planned_date": _("请填写计划日期")})
    mode = data.get("mode") or VisitMode.ANNOUNCED
    if mode not in VisitMode.values:
        raise ValidationError({"mode": _("请选择明查或暗访")})
    with transaction.atomic():
        return audited_create(
            actor,
            InspectionTask,
            group=group,
            title=title,
            area=area,
            mode=mode,
            planned_date=data["planned_date"],
            checklist=data.get("checklist"),
        )


# --- visits ------------------------------------------------------------------------------


def _clean_photos(uploads: Sequence) -> list:
    """Every upload checked and re-encoded before anything is written."""
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": _("最多上传 %(n)d 张照片") % {"n": MAX_PHOTOS}})
    cleaned = []
    for upload in uploads:
        try:
            cleaned.append(clean_photo(upload))
        except ValidationError as e:
            raise ValidationError({"photos": e.messages}) from None
    return cleaned


def _store_photos(actor, cleaned: Sequence, **fields) -> list[Photo]:
    """Write the files and rows; the caller's last step, so a later failure leaves none."""
    photos = []
    for content in cleaned:
        photo = Photo(uploaded_by=actor, **fields)
        photo.image.save(content.name, content, save=False)
        photo.save()
        audit.record_create(actor, photo)
        photos.append(photo)
    return photos


def _clean_answers(checklist: ChecklistTemplate | None, answers: dict) -> list[tuple]:
    if checklist is None:
        return []
    items = list(checklist.items.all())
    rows, missing = [], []
    for item in items:
        result, note = answers.get(item.pk, ("", ""))
        if result not in AnswerResult.values:
            missing.append(str(item.position))
            continue
        rows.append((item, result, (note or "").strip()[:200]))
    if missing:
        raise ValidationError(
            {"answers": _("检查项第 %(n)s 项未填写结果") % {"n": joined(missing)}}
        )
    return rows


def record_visit(
    *,
    actor,
    group: InspectionGroup,
    area: Area,
    visited_on: datetime.date,
    mode: str = VisitMode.ANNOUNCED,
    target_kind: str = TargetKind.AREA,
    target_name: str = "",
    task: InspectionTask | None = None,
    checklist: ChecklistTemplate | None = None,
    summary: str = "",
    answers: dict[int, tuple[str, str]] | None = None,
    photos: Sequence = (),
    findings: Sequence[dict[str, Any]] = (),
) -> Visit:
    """检查记录 with its checklist answers, photos and findings (each becomes a problem)."""
    require_perm(actor, "supervision.add_visit")
    require_area(actor, area)
    if not actor.is_superuser and not group.members.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("您不是该督导组成员，不能登记检查记录"))
    _require_assigned(group, area)
    if mode not in VisitMode.values:
        raise ValidationError({"mode": _("请选择明查或暗访")})
    if target_kind not in TargetKind.values:
        raise ValidationError({"target_kind": _("请选择检查对象类型")})
    if target_kind != TargetKind.AREA and not target_name.strip():
        raise ValidationError({"target_name": _("请填写被检查的卡点、企业或场所名称")})
    if visited_on is None or visited_on > local_date(timezone.now()):
        raise ValidationError({"visited_on": _("检查日期不能晚于今天")})
    if task is not None and task.group_id != group.pk:
        raise ValidationError({"task": _("该任务不属于所选督导组")})
    checklist = checklist or (task.checklist if task is not None else None)
    rows = _clean_answers(checklist, answers or {})
    cleaned = _clean_photos(photos)
    with transaction.atomic():
        visit = audited_create(
            actor,
            Visit,
            task=task,
            group=group,
            area=area,
            target_kind=target_kind,
            target_name=target_name.strip(),
            mode=mode,
            visited_on=visited_on,
            inspector=actor,
            checklist=checklist,
            summary=summary.strip(),
        )
        created = ChecklistAnswer.objects.bulk_create(
            ChecklistAnswer(visit=visit, item=item, result=result, note=note)
            for item, result, note in rows
        )
        _record_created(actor, created)
        for finding in findings:
            create_problem(
                actor=actor,
                visit=visit,
                area=finding.get("area") or area,
                title=finding.get("title", ""),
                description=finding.get("description", ""),
                severity=finding.get("severity") or Severity.LOW,
                deadline=finding.get("deadline"),
                found_on=visited_on,
            )
        # Files last: anything that can still fail is checked before one is written.
        _store_photos(actor, cleaned, area=area, visit=visit, kind=PhotoKind.VISIT)
        if task is not None and task.state != TaskState.DONE:
            before = lock_versioned(task, None)
            task.state = TaskState.DONE
            task.version = before.version + 1
            task.save()
            audit.record_update(actor, before, task)
    return visit


# --- problems ----------------------------------------------------------------------------


def _event(actor, problem: Problem, action: str, from_state: str, note: str = "", **extra):
    return audited_create(
        actor,
        ProblemEvent,
        problem=problem,
        action=action,
        from_state=from_state,
        to_state=problem.state,
        note=note,
        performed_by=actor,
        **extra,
    )


def create_problem(
    *,
    actor,
    area: Area,
    title: str,
    deadline: datetime.date | None,
    severity: str = Severity.LOW,
    description: str = "",
    visit: Visit | None = None,
    group: InspectionGroup | None = None,
    found_on: datetime.date | None = None,
    photos: Sequence = (),
) -> Problem:
    """问题: a finding, with the responsible unit, deadline and severity; ``photos`` are
    those taken of it when it was found outside a recorded visit (a visit keeps its own)."""
    require_perm(actor, "supervision.add_problem")
    if area is None:
        raise ValidationError({"area": _("请选择责任单位")})
    require_area(actor, area)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写问题")})
    if severity not in Severity.values:
        raise ValidationError({"severity": _("请选择严重程度")})
    # The message names the date the user sees: the form of a problem found outside a visit
    # has no 发现日期 (it is today).
    if found_on is not None:
        earliest = _("整改期限不能早于发现日期")
    elif visit is not None:
        found_on, earliest = visit.visited_on, _("整改期限不能早于检查日期")
    else:
        found_on, earliest = local_date(timezone.now()), _("整改期限不能早于今天")
    if deadline is None:
        raise ValidationError({"deadline": _("请填写整改期限")})
    if deadline < found_on:
        raise ValidationError({"deadline": earliest})
    if visit is not None:
        group = visit.group
    cleaned = _clean_photos(photos)
    with transaction.atomic():
        problem = audited_create(
            actor,
            Problem,
            visit=visit,
            group=group,
            area=area,
            title=title,
            description=(description or "").strip(),
            severity=severity,
            deadline=deadline,
            found_on=found_on,
            found_by=actor,
        )
        _event(actor, problem, ProblemAction.CREATE, "", note=problem.title)
        # Files last: anything that can still fail is checked before one is written.
        _store_photos(actor, cleaned, area=area, problem=problem, kind=PhotoKind.VISIT)
    return problem


def transition_problem(
    *,
    actor,
    problem: Problem,
    action: str,
    note: str = "",
    photos: Sequence = (),
    deadline: datetime.date | None = None,
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Problem:
    """One step of the state machine; a step not allowed from the current state is refused.

    退回重新整改 may set a new 整改期限 (``deadline``, not before today): sent back after the
    old one passed, the problem would be overdue and escalated before the unit could redo it.
    """
    transition = rules.TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": _("不支持的操作")})
    require_perm(actor, transition.permission)
    require_area(actor, problem.area)
    note = (note or "").strip()
    if transition.note_label is not None and not note:
        raise ValidationError({"note": _("请填写%(label)s") % {"label": transition.note_label}})
    if photos and action != ProblemAction.RECTIFY:
        raise ValidationError({"photos": _("只有提交整改时可以上传照片")})
    now = now or timezone.now()
    if deadline is not None:
        if action != ProblemAction.REOPEN:
            raise ValidationError({"deadline": _("只有退回重新整改时可以重新设定整改期限")})
        if deadline < local_date(now):
            raise ValidationError({"deadline": _("新整改期限不能早于今天")})
        note = "\n".join([note, _("新整改期限：%(date)s") % {"date": deadline.isoformat()}])
    cleaned = _clean_photos(photos)
    with transaction.atomic():
        before = lock_versioned(problem, expected_version)
        if before.state not in transition.sources:
            raise ValidationError(
                {
                    "state": _("问题当前状态为“%(state)s”，不能执行“%(action)s”")
                    % {
                        "state": before.get_state_display(),
                        "action": ProblemAction(action).label,
                    }
                },
                code="invalid_transition",
            )
        problem.state = transition.target
        if action == ProblemAction.RECTIFY:
            problem.rectified_at = now
        elif action == ProblemAction.CLOSE:
            problem.closed_at = now
        elif action == ProblemAction.REOPEN:
            problem.closed_at = None
            problem.reopen_count = before.reopen_count + 1
            if deadline is not None:
                problem.deadline = deadline
        problem.version = before.version + 1
        problem.save()
        audit.record_update(actor, before, problem, reason=note)
        event = _event(actor, problem, action, before.state, note=note)
        _store_photos(
            actor,
            cleaned,
            area=problem.area,
            problem=problem,
            event=event,
            kind=PhotoKind.RECTIFICATION,
        )
    return problem


def rectify_problem(*, actor, problem: Problem, note: str, photos: Sequence = (), **kw) -> Problem:
    return transition_problem(
        actor=actor, problem=problem, action=ProblemAction.RECTIFY, note=note, photos=photos, **kw
    )


def close_problem(*, actor, problem: Problem, note: str = "", **kw) -> Problem:
    return transition_problem(
        actor=actor, problem=problem, action=ProblemAction.CLOSE, note=note, **kw
    )


def reopen_problem(*, actor, problem: Problem, note: str, **kw) -> Problem:
    return transition_problem(
        actor=actor, problem=problem, action=ProblemAction.REOPEN, note=note, **kw
    )


def escalate_overdue_problems(*, today: datetime.date | None = None, actor=None) -> int:
    """Raise every overdue problem one level (the parent of its unit, then higher), at most
    once per ``rules.ESCALATE_EVERY_DAYS``; idempotent within a day. Returns how many."""
    today = today or local_date(timezone.now())
    candidates = (
        Problem.objects.exclude(state=ProblemState.CLOSED)
        .filter(deadline__lt=today)
        .select_related("area", "escalated_to")
        .order_by("pk")
    )
    count = 0
    for problem in candidates.iterator(chunk_size=500):
        if not rules.escalation_due(
            state=problem.state,
            deadline=problem.deadline,
            escalated_on=problem.escalated_on,
            today=today,
        ):
            continue
        base = problem.escalated_to or problem.area
        if base.parent_id is None:
            continue
        with transaction.atomic():
            before = lock_versioned(problem, None)
            problem.escalated_to_id = base.parent_id
            problem.escalation_level = before.escalation_level + 1
            problem.escalated_on = today
            problem.version = before.version + 1
            problem.save()
            reason = _("超过整改期限 %(d)s 未销号，升级督办") % {"d": problem.deadline.isoformat()}
            audit.record_update(actor, before, problem, reason=reason)
            _event(
                actor,
                problem,
                ProblemAction.ESCALATE,
                before.state,
                note=reason,
                escalated_to_id=base.parent_id,
            )
        count += 1
    return count


# --- daily summary -----------------------------------------------------------------------


def generate_summary(*, actor, area: Area, date: datetime.date) -> ProblemSummary:
    """Compute and store the summary of ``area`` for ``date`` (replacing that day's); a day
    to come has no figures yet and gets none."""
    if actor is not None:
        require_perm(actor, "supervision.add_problemsummary")
        require_area(actor, area)
    if date > local_date(timezone.now()):
        raise ValidationError({"date": _("汇总日期不能晚于今天")})
    rows, totals = selectors.daily_summary(Problem.objects.in_area(area), date=date, area=area)
    with transaction.atomic():
        lock_rows(Area, [area.pk])  # the job and a button at once: one summary, regenerated
        existing = ProblemSummary.objects.filter(area=area, date=date).first()
        fields = {
            "rows": rows,
            "totals": totals,
            "generated_at": timezone.now(),
            "generated_by": actor if actor is not None and actor.pk else None,
        }
        if existing is None:
            return audited_create(actor, ProblemSummary, area=area, date=date, **fields)
        before = lock_versioned(existing, None)
        for k, v in fields.items():
            setattr(existing, k, v)
        existing.version = before.version + 1
        existing.save()
        audit.record_update(actor, before, existing, reason=_("重新生成"))
        return existing


def generate_summaries(*, date: datetime.date, areas: Iterable[Area] | None = None) -> int:
    """The scheduled run: one summary per top-level area (or the given ones)."""
    targets = list(areas) if areas is not None else list(Area.objects.filter(parent=None))
    for area in targets:
        generate_summary(actor=None, area=area, date=date)
    return len(targets)
