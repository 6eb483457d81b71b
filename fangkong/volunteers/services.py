"""Every write to volunteers, needs, assignments, shifts and teams goes through these functions."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.areas.choices import AreaLevel
from fangkong.core import audit
from fangkong.core.models.audit import AuditAction
from fangkong.core.personal import index_value
from fangkong.core.services import (
    audited_create,
    audited_delete,
    audited_update,
    lock_named,
    lock_rows,
    lock_versioned,
    merged_for_update,
    refuse_duplicate,
    require_area,
    require_perm,
)
from fangkong.core.validators import validate_id_number, validate_phone
from fangkong.formats import joined, moment

from . import matching
from .choices import AssignmentState, NeedState, PoolState, Source
from .models import Assignment, DispatchBatch, Need, PartyReport, Shift, Team, Volunteer
from .rules import check_period, decode, encode_days, encode_skills, encode_times

VOLUNTEER_FIELDS = (
    "area",
    "name",
    "id_number",
    "phone",
    "organisation",
    "is_party_member",
    "health",
    "skills",
    "available_days",
    "available_times",
    "notes",
)
NEED_FIELDS = (
    "area",
    "kind",
    "title",
    "place",
    "starts_at",
    "ends_at",
    "headcount",
    "required_skills",
    "notes",
)
LIVE_STATES = (AssignmentState.OFFERED, AssignmentState.ACCEPTED)


# --- volunteers -------------------------------------------------------------------------


def _check_community(area, field: str = "area") -> None:
    if area is None or area.level < AreaLevel.COMMUNITY:
        raise ValidationError({field: _("请选择社区/村或网格")})


def _encoded(data: dict[str, Any]) -> dict[str, Any]:
    for field, encoder in (
        ("skills", encode_skills),
        ("available_days", encode_days),
        ("available_times", encode_times),
    ):
        value = data.get(field)
        if value is not None and not (isinstance(value, str) and value.startswith(",")):
            data[field] = encoder(value)
    return data


def clean_volunteer(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise a volunteer's fields (form, API, sign-up and import alike)."""
    data = _encoded(dict(data))
    _check_community(data.get("area"))
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("姓名不能为空")})
    data["name"] = name
    try:
        data["id_number"] = validate_id_number(data.get("id_number"))[0]
    except ValidationError as e:
        raise ValidationError({"id_number": e.messages}) from None
    try:
        data["phone"] = validate_phone(data.get("phone"))
    except ValidationError as e:
        raise ValidationError({"phone": e.messages}) from None
    if not data["phone"]:
        raise ValidationError({"phone": _("联系电话不能为空")})
    return data


def _find_existing(id_number: str, phone: str, *, exclude_pk=None) -> tuple[Volunteer | None, str]:
    """The volunteer with this ID number, else with this phone: (row, "id_number"|"phone")."""
    qs = Volunteer.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    by_id = qs.filter(
        id_number_index=index_value(id_number, kind="id_number", purpose="vol-id")
    ).first()
    if by_id is not None:
        return by_id, "id_number"
    by_phone = qs.filter(phone_index=index_value(phone, kind="phone", purpose="vol-phone"))
    return by_phone.order_by("pk").first(), "phone"


# Held while a volunteer's ID number or phone is checked against the others and written (a
# form, a sign-up, an import): the phone's rule has no unique index to fall back on (lists
# imported before the import applied it may share a phone), and two sign-ups of one person
# at once are merged instead of one failing on the ID number's.
REGISTERING = "volunteers.register"


def _refuse_duplicate(data: dict[str, Any], *, exclude_pk=None, phone_changed=True) -> None:
    """A second volunteer with this ID number, or with this phone when the save gives it (a
    record already sharing its phone from an old import can still be edited)."""
    existing, field = _find_existing(data["id_number"], data["phone"], exclude_pk=exclude_pk)
    if existing is not None and (field == "id_number" or phone_changed):
        message = (
            _("该身份证号已登记为志愿者，请勿重复录入")
            if field == "id_number"
            else _("该手机号已登记为志愿者，请勿重复录入")
        )
        raise ValidationError({field: message})


def create_volunteer(*, actor, data: dict[str, Any]) -> Volunteer:
    require_perm(actor, "volunteers.add_volunteer")
    require_area(actor, data.get("area"))
    data = clean_volunteer(data)
    state = data.get("state") or PoolState.RESERVE
    with transaction.atomic():
        lock_named(REGISTERING)
        _refuse_duplicate(data)
        volunteer = audited_create(
            actor,
            Volunteer,
            **{k: data[k] for k in VOLUNTEER_FIELDS if k in data},
            state=state,
            source=data.get("source") or Source.STAFF,
            reviewed_at=timezone.now() if state != PoolState.PENDING else None,
        )
    return volunteer


def update_volunteer(
    *, actor, volunteer: Volunteer, data: dict[str, Any], expected_version: int | None
) -> Volunteer:
    merged = merged_for_update(
        actor, volunteer, VOLUNTEER_FIELDS, data, perm="volunteers.change_volunteer"
    )
    merged = clean_volunteer(merged)
    fields = {f: merged[f] for f in VOLUNTEER_FIELDS}
    with transaction.atomic():
        lock_named(REGISTERING)
        _refuse_duplicate(
            merged, exclude_pk=volunteer.pk, phone_changed=merged["phone"] != volunteer.phone
        )
        return audited_update(actor, volunteer, fields, expected_version=expected_version)


def delete_volunteer(*, actor, volunteer: Volunteer, reason: str = "") -> None:
    require_perm(actor, "volunteers.delete_volunteer")
    require_area(actor, volunteer.area)
    if volunteer.assignments.exists():
        raise ValidationError(_("该志愿者已有派遣任务，不能删除，请改为停用"))
    audited_delete(actor, volunteer, reason=reason)


def _union(old: str, new: str, encoder: Callable[[list[str]], str]) -> str:
    """Both stored lists, in the choices' order as every other save keeps them."""
    return encoder(decode(old) + decode(new))


def sign_up_volunteer(*, data: dict[str, Any]) -> tuple[Volunteer, bool]:
    """The public sign-up (no login). A second sign-up with the same ID number or phone does
    not create another record: ``(volunteer, merged)``.

    Anyone may type anyone's ID number here, so a repeat sign-up never changes who the
    volunteer is, how to reach them or whether they are fit to serve: an application still
    pending review gains the skills and times it adds; every record gets a note asking staff
    to check with the person (what was typed differently is named, not its value)."""
    data = clean_volunteer(data)
    reason = _("公开报名")
    with transaction.atomic():
        lock_named(REGISTERING)
        existing, matched_by = _find_existing(data["id_number"], data["phone"])
        if existing is None:
            volunteer = Volunteer(
                **{k: data[k] for k in VOLUNTEER_FIELDS if k in data},
                state=PoolState.PENDING,
                source=Source.SIGNUP,
            )
            volunteer.save()
            audit.record_create(None, volunteer, reason=reason)
            return volunteer, False
        before = lock_versioned(existing, None)
        v = existing
        if v.state == PoolState.PENDING:
            v.skills = _union(v.skills, data.get("skills", ""), encode_skills)
            v.available_days = _union(v.available_days, data.get("available_days", ""), encode_days)
            v.available_times = _union(
                v.available_times, data.get("available_times", ""), encode_times
            )
        v.notes = "\n".join(x for x in (v.notes, _repeat_note(v, data, matched_by)) if x)
        v.version = before.version + 1
        v.save()
        audit.record_update(None, before, v, reason=_("公开报名（合并到已有记录）"))
    return v, True


def _repeat_note(v: Volunteer, data: dict[str, Any], matched_by: str) -> str:
    differs = []
    if matched_by == "id_number" and data["phone"] != v.phone:
        differs.append(_("手机号"))
    if matched_by != "id_number" and data["id_number"] != v.id_number:
        differs.append(_("身份证号"))
    if data.get("name") and data["name"] != v.name:
        differs.append(_("姓名"))
    if data.get("health") and data["health"] != v.health:
        differs.append(_("健康状况"))
    stamp = moment(timezone.now())
    if not differs:
        return _("%(t)s 重复报名（公开报名页）") % {"t": stamp}
    return _("%(t)s 重复报名（公开报名页），所填%(what)s与登记不一致，未作修改，请与本人核实") % {
        "t": stamp,
        "what": joined(differs),
    }


REVIEW_STATES = (PoolState.RESERVE, PoolState.ACTIVE, PoolState.SUSPENDED, PoolState.REJECTED)


def review_volunteer(
    *, actor, volunteer: Volunteer, state: str, expected_version: int | None, note: str = ""
) -> Volunteer:
    """Approve a sign-up into the pool (储备/在岗), or suspend/reject; the community decides."""
    require_perm(actor, "volunteers.review_volunteer")
    require_area(actor, volunteer.area)
    if state not in REVIEW_STATES:
        raise ValidationError({"state": _("无效的状态")})
    if state == PoolState.REJECTED and volunteer.state != PoolState.PENDING:
        raise ValidationError({"state": _("只有待审核的报名可以不予通过")})
    with transaction.atomic():
        before = lock_versioned(volunteer, expected_version)
        volunteer.state = state
        volunteer.reviewed_at = timezone.now()
        volunteer.version = before.version + 1
        volunteer.save()
        audit.record_update(actor, before, volunteer, reason=note)
    return volunteer


def create_volunteer_account(*, actor, volunteer: Volunteer, username: str, password: str) -> User:
    """A volunteer-role login bound to this volunteer; it sees only their own record and tasks."""
    require_perm(actor, "volunteers.review_volunteer")
    require_area(actor, volunteer.area)
    if volunteer.user_id:
        raise ValidationError(_("该志愿者已有登录账号"))
    if volunteer.state not in (PoolState.RESERVE, PoolState.ACTIVE):
        raise ValidationError(_("志愿者审核通过后才能开通账号"))
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("用户名不能为空")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("该用户名已被使用")})
    user = User(username=username, role=Role.VOLUNTEER, area=volunteer.area)
    user.full_name = volunteer.name
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise ValidationError({"password": e.messages}) from None
    with transaction.atomic():
        user.set_password(password)
        user.save()
        before = lock_versioned(volunteer, None)
        volunteer.user = user
        volunteer.version = before.version + 1
        volunteer.save()
        audit.record(
            actor,
            audit.event_for(
                user,
                AuditAction.CREATE,
                changes={"username": username, "role": Role.VOLUNTEER, "area": user.area_id},
            ),
        )
        audit.record_update(actor, before, volunteer)
    return user


def report_party_member(
    *,
    actor,
    volunteer: Volunteer,
    area,
    reported_on: datetime.date,
    work_unit: str,
    notes: str = "",
) -> PartyReport:
    """在职党员进社区报到: record that a party member reported to this community."""
    require_perm(actor, "volunteers.add_partyreport")
    require_area(actor, area)
    require_area(actor, volunteer.area)
    _check_community(area)
    if not volunteer.is_party_member:
        raise ValidationError({"volunteer": _("该志愿者未登记为中共党员")})
    if reported_on > timezone.localdate():
        raise ValidationError({"reported_on": _("报到日期不能晚于今天")})
    work_unit = (work_unit or "").strip() or volunteer.organisation
    if not work_unit:
        raise ValidationError({"work_unit": _("请填写工作单位")})
    if PartyReport.objects.filter(volunteer=volunteer, area=area).exists():
        raise ValidationError({"volunteer": _("该党员已向本社区报到")})
    with transaction.atomic():
        return audited_create(
            actor,
            PartyReport,
            volunteer=volunteer,
            area=area,
            reported_on=reported_on,
            work_unit=work_unit,
            notes=notes,
        )


# --- needs --------------------------------------------------------------------------------


# One post's people (the column holds up to 32,767; a larger figure is a typing mistake).
MAX_HEADCOUNT = 1000


def clean_need(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    _check_community(data.get("area"))
    data["title"] = (data.get("title") or "").strip()
    if not data["title"]:
        raise ValidationError({"title": _("岗位名称不能为空")})
    if not data.get("starts_at"):
        raise ValidationError({"starts_at": _("请填写开始时间")})
    if not data.get("ends_at"):
        raise ValidationError({"ends_at": _("请填写结束时间")})
    check_period(data["starts_at"], data["ends_at"])
    if not data.get("headcount") or int(data["headcount"]) < 1:
        raise ValidationError({"headcount": _("需要人数至少为 1")})
    if int(data["headcount"]) > MAX_HEADCOUNT:
        raise ValidationError(
            {"headcount": _("需要人数最多为 %(n)s，更多人手请分成几个岗位") % {"n": MAX_HEADCOUNT}}
        )
    value = data.get("required_skills")
    if value is not None and not (isinstance(value, str) and value.startswith(",")):
        try:
            data["required_skills"] = encode_skills(value)
        except ValidationError as e:
            raise ValidationError({"required_skills": e.messages}) from None
    return data


def create_need(*, actor, data: dict[str, Any]) -> Need:
    require_perm(actor, "volunteers.add_need")
    require_area(actor, data.get("area"))
    data = clean_need(data)
    with transaction.atomic():
        return audited_create(actor, Need, **{k: data[k] for k in NEED_FIELDS if k in data})


def update_need(*, actor, need: Need, data: dict[str, Any], expected_version: int | None) -> Need:
    merged = merged_for_update(actor, need, NEED_FIELDS, data, perm="volunteers.change_need")
    merged = clean_need(merged)
    if "state" in data and data["state"] in NeedState.values:
        merged["state"] = data["state"]
    fields = {f: merged[f] for f in (*NEED_FIELDS, "state") if f in merged}
    return audited_update(actor, need, fields, expected_version=expected_version)


def delete_need(*, actor, need: Need, reason: str = "") -> None:
    require_perm(actor, "volunteers.delete_need")
    require_area(actor, need.area)
    if need.assignments.exists():
        raise ValidationError(_("该岗位已派遣志愿者，不能删除，请改为已结束"))
    audited_delete(actor, need, reason=reason)


# --- dispatch -------------------------------------------------------------------------------


# Dispatches run one at a time (``core.services.lock_named``): two dispatchers at once could
# fill a need's last place twice or give one volunteer two tasks at the same hours.
DISPATCHING = "volunteers.dispatch"


def open_places(need: Need) -> int:
    taken = need.assignments.filter(state__in=LIVE_STATES).count()
    return max(0, need.headcount - taken)


def _require_dispatch(actor, need: Need) -> None:
    require_perm(actor, "volunteers.dispatch_need")
    require_area(actor, need.area)
    if need.state != NeedState.OPEN:
        raise ValidationError({"need": _("岗位“%(n)s”已结束，不能再派遣") % {"n": need.title}})


def _assignments_for(
    actor, need: Need, proposals: Sequence[matching.Proposal], batch: DispatchBatch | None
) -> list[Assignment]:
    rows = [
        Assignment(
            need=need,
            volunteer=p.volunteer,
            batch=batch,
            score=p.score,
            reason=p.explanation[:500],
        )
        for p in proposals
    ]
    Assignment.objects.bulk_create(rows)
    # bulk_create sets pks on PostgreSQL and SQLite ≥ 3.35; fetch them where it does not.
    if any(a.pk is None for a in rows):
        by_vol = dict(Assignment.objects.filter(need=need).values_list("volunteer_id", "pk"))
        for a in rows:
            a.pk = by_vol[a.volunteer_id]
    audit.record_many(
        actor, [audit.event_for(a, AuditAction.CREATE, changes=audit.snapshot(a)) for a in rows]
    )
    return rows


def dispatch(*, actor, need: Need, volunteers: Iterable[Volunteer]) -> list[Assignment]:
    """Send the chosen volunteers to a need; each must be among its current proposals."""
    _require_dispatch(actor, need)
    chosen = list(volunteers)
    if not chosen:
        raise ValidationError({"volunteers": _("请至少选择一名志愿者")})
    with transaction.atomic():
        # The places left and each volunteer's other tasks are read under the lock.
        lock_named(DISPATCHING)
        if len(chosen) > open_places(need):
            raise ValidationError(
                {"volunteers": _("所选人数超过岗位剩余名额（%(n)s 人）") % {"n": open_places(need)}}
            )
        candidates = Volunteer.objects.visible_to(actor).filter(pk__in=[v.pk for v in chosen])
        by_pk = {p.volunteer.pk: p for p in matching.propose(need, candidates)}
        missing = [v for v in chosen if v.pk not in by_pk]
        if missing:
            raise ValidationError(
                {
                    "volunteers": _(
                        "%(names)s 当前不可派遣"
                        "（未审核通过、健康原因、时间冲突、缺少所需技能或已在该岗位）"
                    )
                    % {"names": joined(v.audit_repr() for v in missing)}
                }
            )
        return _assignments_for(actor, need, [by_pk[v.pk] for v in chosen], None)


def dispatch_batch(
    *, actor, name: str, needs: Sequence[tuple[Need, int]], area=None, notes: str = ""
) -> DispatchBatch:
    """Pick the best-ranked volunteers for several needs at once (首批 30 名下沉 4 个社区).

    Needs are filled in order; a volunteer is picked at most once per batch. A need that
    cannot be filled to its count gets what there is; the batch reports the shortfall.
    """
    require_perm(actor, "volunteers.dispatch_need")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写批次名称")})
    if not needs:
        raise ValidationError({"needs": _("请至少选择一个岗位")})
    area = area or actor.area
    require_area(actor, area)
    for need, _count in needs:
        _require_dispatch(actor, need)
    candidates = Volunteer.objects.visible_to(actor)
    now = timezone.now()
    picked: set[int] = set()
    with transaction.atomic():
        lock_named(DISPATCHING)  # as ``dispatch``: places and volunteers' tasks read under it
        for need, count in needs:
            if count < 1 or count > open_places(need):
                raise ValidationError(
                    {
                        "needs": _("岗位“%(n)s”的派遣人数应为 1 至 %(m)s")
                        % {"n": need.title, "m": open_places(need)}
                    }
                )
        batch = audited_create(
            actor, DispatchBatch, area=area, name=name, notes=notes, created_by=actor
        )
        for need, count in needs:
            proposals = matching.propose(need, candidates, now=now, exclude=picked, limit=count)
            picked.update(p.volunteer.pk for p in proposals)
            _assignments_for(actor, need, proposals, batch)
    return batch


# --- the volunteer's answer, and shifts -------------------------------------------------------


def _is_own(actor, assignment: Assignment) -> bool:
    return (
        actor is not None and actor.is_authenticated and (assignment.volunteer.user_id == actor.pk)
    )


def _require_own_or_staff(actor, assignment: Assignment, perm: str) -> None:
    if _is_own(actor, assignment):
        return
    require_perm(actor, perm)
    require_area(actor, assignment.need.area)


def require_own_assignment(actor, assignment: Assignment) -> None:
    """Only the volunteer a task was offered to answers it."""
    if not _is_own(actor, assignment):
        raise PermissionDenied(_("只能答复派给自己的任务"))


def respond_assignment(
    *, actor, assignment: Assignment, accept: bool, reason: str = ""
) -> Assignment:
    """The volunteer accepts or declines a task offered to them (only they can)."""
    require_own_assignment(actor, assignment)
    if assignment.state != AssignmentState.OFFERED:
        raise ValidationError({"state": _("该任务已答复或已取消")})
    if not accept and not (reason or "").strip():
        raise ValidationError({"decline_reason": _("请填写不能参加的原因")})
    with transaction.atomic():
        before = lock_versioned(assignment, None)
        assignment.state = AssignmentState.ACCEPTED if accept else AssignmentState.DECLINED
        assignment.decline_reason = "" if accept else reason.strip()[:200]
        assignment.responded_at = timezone.now()
        assignment.version = before.version + 1
        assignment.save()
        audit.record_update(actor, before, assignment)
        volunteer = assignment.volunteer
        if accept and volunteer.state == PoolState.RESERVE:
            # A reserve member who takes up a task is now on duty (储备 → 在岗).
            vol_before = lock_versioned(volunteer, None)
            volunteer.state = PoolState.ACTIVE
            volunteer.version = vol_before.version + 1
            volunteer.save()
            audit.record_update(actor, vol_before, volunteer, reason=_("接受任务"))
    return assignment


def cancel_assignment(*, actor, assignment: Assignment, reason: str = "") -> Assignment:
    require_perm(actor, "volunteers.dispatch_need")
    require_area(actor, assignment.need.area)
    if assignment.state not in LIVE_STATES:
        raise ValidationError({"state": _("该任务已结束，无需取消")})
    if assignment.shifts.filter(ended_at__isnull=True).exists():
        raise ValidationError({"state": _("该志愿者正在服务中，请先签退")})
    with transaction.atomic():
        before = lock_versioned(assignment, None)
        assignment.state = AssignmentState.CANCELLED
        assignment.version = before.version + 1
        assignment.save()
        audit.record_update(actor, before, assignment, reason=reason)
    return assignment


def _moment(at: datetime.datetime | None, field: str) -> datetime.datetime:
    now = timezone.now()
    at = at or now
    if at > now + datetime.timedelta(minutes=5):
        if field == "started_at":
            raise ValidationError({field: _("签到时间不能晚于当前时间")})
        raise ValidationError({field: _("签退时间不能晚于当前时间")})
    return at


# Service is counted within the need's hours: a check-in from this long before it starts
# (arriving for the briefing) until it ends; a check-out's minutes stop this long after its
# end, so a forgotten check-out done the next day does not count a night of service.
EARLY_CHECK_IN = datetime.timedelta(hours=2)
LATE_CHECK_OUT = datetime.timedelta(hours=2)


def check_in_window(need: Need) -> tuple[datetime.datetime, datetime.datetime]:
    """From when until when (excluded) a check-in on ``need`` is taken."""
    return need.starts_at - EARLY_CHECK_IN, need.ends_at


def check_in(*, actor, assignment: Assignment, at: datetime.datetime | None = None) -> Shift:
    """签到: the volunteer themselves or staff of the need's area, within the need's hours."""
    _require_own_or_staff(actor, assignment, "volunteers.add_shift")
    at = _moment(at, "started_at")
    if assignment.state != AssignmentState.ACCEPTED:
        raise ValidationError({"started_at": _("任务接受后才能签到")})
    need = assignment.need
    opens, closes = check_in_window(need)
    if at < opens:
        raise ValidationError(
            {
                "started_at": _("岗位 %(start)s 开始，最早可提前 2 小时签到")
                % {"start": moment(need.starts_at)}
            }
        )
    if at >= closes:
        raise ValidationError(
            {"started_at": _("岗位已于 %(end)s 结束，不能再签到") % {"end": moment(need.ends_at)}}
        )
    with transaction.atomic():
        lock_versioned(assignment, None)
        if assignment.shifts.filter(ended_at__isnull=True).exists():
            raise ValidationError({"started_at": _("已签到，请先签退")})
        return audited_create(actor, Shift, assignment=assignment, started_at=at)


def check_out(*, actor, shift: Shift, at: datetime.datetime | None = None) -> Shift:
    """签退: closes the shift and derives its minutes from the two times, counted until
    ``LATE_CHECK_OUT`` after the need's end at most."""
    _require_own_or_staff(actor, shift.assignment, "volunteers.change_shift")
    at = _moment(at, "ended_at")
    with transaction.atomic():
        before = lock_versioned(shift, None)
        if before.ended_at is not None:
            raise ValidationError({"ended_at": _("该次服务已签退")})
        if at <= before.started_at:
            raise ValidationError({"ended_at": _("签退时间必须晚于签到时间")})
        shift.ended_at = at
        counted_until = min(at, shift.assignment.need.ends_at + LATE_CHECK_OUT)
        shift.minutes = max(0, int((counted_until - before.started_at).total_seconds() // 60))
        shift.version = before.version + 1
        shift.save()
        audit.record_update(actor, before, shift)
    return shift


def record_shift(
    *,
    actor,
    assignment: Assignment,
    started_at: datetime.datetime | None,
    ended_at: datetime.datetime | None,
) -> Shift:
    """补录服务: staff enter a service already done from the post's paper sign-in sheet (the
    volunteer did not check in on a phone), with the rules of a check-in and a check-out."""
    require_perm(actor, "volunteers.add_shift")
    require_area(actor, assignment.need.area)
    if started_at is None or ended_at is None:
        raise ValidationError({"started_at" if started_at is None else "ended_at": _("请填写")})
    if ended_at <= started_at:
        raise ValidationError({"ended_at": _("签退时间必须晚于签到时间")})
    with transaction.atomic():
        lock_versioned(assignment, None)
        # One person serves once at a time: a recorded hour must not count twice, also when
        # two sheets of theirs (two posts) are entered at once — checked under the
        # volunteer's row lock, taken after the assignment's as ``respond_assignment`` does.
        lock_rows(Volunteer, [assignment.volunteer_id])
        taken = Shift.objects.filter(
            assignment__volunteer_id=assignment.volunteer_id, started_at__lt=ended_at
        ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=started_at))
        if taken.exists():
            raise ValidationError({"started_at": _("该志愿者在这段时间已有服务记录")})
        shift = check_in(actor=actor, assignment=assignment, at=started_at)
        return check_out(actor=actor, shift=shift, at=ended_at)


# --- teams --------------------------------------------------------------------------------


def _clean_team(*, actor, area, name: str, leader, members, exclude_pk=None):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("队伍名称不能为空")})
    refuse_duplicate(
        Team.objects.filter(area=area, name=name),
        exclude_pk=exclude_pk,
        field="name",
        message=_("该区域内已有同名队伍"),
    )
    members = list(members.all() if hasattr(members, "all") else members or [])
    visible = set(
        Volunteer.objects.visible_to(actor)
        .filter(pk__in=[m.pk for m in members] + ([leader.pk] if leader else []))
        .values_list("pk", flat=True)
    )
    if leader is not None and leader.pk not in visible:
        raise ValidationError({"leader": _("负责人不在您的管辖范围内")})
    if any(m.pk not in visible for m in members):
        raise ValidationError({"members": _("部分成员不在您的管辖范围内")})
    if leader is not None and leader not in members:
        members.append(leader)
    return name, members


def _member_changes(old: set[int], new: set[int]) -> dict:
    return {"members": [sorted(old), sorted(new)]} if old != new else {}


def create_team(
    *, actor, area, name: str, kind: str, leader=None, members=(), notes: str = ""
) -> Team:
    require_perm(actor, "volunteers.add_team")
    require_area(actor, area)
    name, members = _clean_team(actor=actor, area=area, name=name, leader=leader, members=members)
    with transaction.atomic():
        team = Team.objects.create(area=area, name=name, kind=kind, leader=leader, notes=notes)
        team.members.set(members)
        changes = audit.snapshot(team) | {"members": sorted(m.pk for m in members)}
        audit.record(actor, audit.event_for(team, AuditAction.CREATE, changes=changes))
    return team


def update_team(
    *,
    actor,
    team: Team,
    area,
    name: str,
    kind: str,
    leader=None,
    members=(),
    notes: str = "",
    expected_version: int | None,
) -> Team:
    require_perm(actor, "volunteers.change_team")
    require_area(actor, team.area)
    require_area(actor, area)
    name, members = _clean_team(
        actor=actor, area=area, name=name, leader=leader, members=members, exclude_pk=team.pk
    )
    with transaction.atomic():
        before = lock_versioned(team, expected_version)
        old = set(team.members.values_list("pk", flat=True))
        team.area, team.name, team.kind, team.leader, team.notes = area, name, kind, leader, notes
        team.version = before.version + 1
        team.save()
        team.members.set(members)
        changes = audit.diff(before, team) | _member_changes(old, {m.pk for m in members})
        audit.record(actor, audit.event_for(team, AuditAction.UPDATE, changes=changes))
    return team


def delete_team(*, actor, team: Team, reason: str = "") -> None:
    require_perm(actor, "volunteers.delete_team")
    require_area(actor, team.area)
    audited_delete(actor, team, reason=reason)
