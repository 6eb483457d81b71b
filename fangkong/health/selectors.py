"""Read paths for quarantine and monitoring: lists from the user's scope, derived overdue
check-ins, and the public certificate check."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from fangkong.core.personal import mask_name
from fangkong.status.clock import at_local, end_of_day, local_date

from .choices import QUARANTINE_KINDS, SLOT_DEADLINE_HOUR, AssignmentState, NatResult, Slot
from .models import Alert, Assignment, CheckIn, HealthCertificate, NucleicAcidTest


def assignment_list(user) -> QuerySet[Assignment]:
    return Assignment.objects.visible_to(user).select_related(
        "resident", "resident__area", "responsible"
    )


def active_assignments(user) -> QuerySet[Assignment]:
    return assignment_list(user).filter(state=AssignmentState.ACTIVE)


def source_voided() -> Q:
    """Assignments not yet released whose source case was voided (recorded in error): each
    waits for the health team to decide, with the person, whether to end it early."""
    from fangkong.tracing.choices import CaseStatus

    return Q(state=AssignmentState.ACTIVE, contact__case__status=CaseStatus.VOIDED)


def assignments_to_review(user) -> QuerySet[Assignment]:
    """来源病例已撤销 on the home page of those who may release them."""
    return Assignment.objects.visible_to(user).filter(source_voided())


def assignments_running_on(day: datetime.date) -> Q:
    """Assignments running at the end of ``day``: started by then, not yet released (the
    dashboard's 隔离中 / 健康监测中 and the assignment list's 在管日期 filter)."""
    end = end_of_day(day)
    return Q(start_date__lte=day) & (Q(released_at__isnull=True) | Q(released_at__gte=end))


def sole_grid_workers(area_ids) -> dict[int, object]:
    """The grid worker of each grid that has exactly one active one (grid id → account): the
    责任网格员 an arrangement made without naming one gets. A grid with none or several is
    left out (someone must choose)."""
    from django.db.models import Count

    from fangkong.accounts.choices import Role
    from fangkong.accounts.models import User

    workers = User.objects.filter(role=Role.GRID_WORKER, is_active=True, area_id__in=area_ids)
    sole = workers.values("area_id").annotate(n=Count("pk")).filter(n=1).values_list("area_id")
    return {u.area_id: u for u in workers.filter(area_id__in=sole)}


def quarantines_in_force(resident_ids: list[int], today: datetime.date) -> dict[int, Assignment]:
    """{resident: their quarantine (居家/集中) not released and not yet over on ``today``}, the
    one ending last: whom a new quarantine would only duplicate."""
    out: dict[int, Assignment] = {}
    for a in Assignment.objects.filter(
        resident_id__in=resident_ids,
        kind__in=QUARANTINE_KINDS,
        state=AssignmentState.ACTIVE,
        end_date__gte=today,
    ).order_by("resident_id", "end_date", "pk"):
        out[a.resident_id] = a
    return out


def checkin_list(user) -> QuerySet[CheckIn]:
    return CheckIn.objects.visible_to(user).select_related("assignment", "assignment__resident")


def alert_list(user, *, open_only: bool = True, mine: bool = False) -> QuerySet[Alert]:
    """Alerts in scope; ``mine``: of assignments the user is responsible for."""
    qs = Alert.objects.visible_to(user).select_related(
        "assignment", "assignment__resident", "assignment__responsible"
    )
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    if mine:
        qs = qs.filter(assignment__responsible=user)
    return qs


def nat_test_list(user) -> QuerySet[NucleicAcidTest]:
    return NucleicAcidTest.objects.visible_to(user).select_related("resident", "resident__area")


def positives_awaiting_review(user) -> QuerySet[NucleicAcidTest]:
    return nat_test_list(user).filter(result=NatResult.POSITIVE, review="")


def certificate_list(user) -> QuerySet[HealthCertificate]:
    return HealthCertificate.objects.visible_to(user).select_related("resident", "assignment")


# --- overdue check-ins -------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueSlot:
    assignment: Assignment
    date: datetime.date
    slot: str
    deadline: datetime.datetime


def slot_deadline(day: datetime.date, slot: str) -> datetime.datetime:
    """A slot is overdue after 12:00 (上午) or 20:00 (下午) local time of its day."""
    return at_local(day, SLOT_DEADLINE_HOUR[slot])


def overdue_checkins(
    qs: QuerySet[Assignment], now: datetime.datetime, *, since: datetime.date | None = None
) -> list[OverdueSlot]:
    """Slots of active assignments in ``qs`` whose deadline passed without a check-in.
    A slot whose deadline passed before the assignment was recorded is nobody's lapse (a
    returnee registered on day 3 of their monitoring was not asked for days 1 and 2).

    Two queries: the active assignments and the check-ins they have; the missing slots are
    the difference, walked per assignment over its (short) period up to today.
    """
    today = local_date(now)
    active = qs.filter(state=AssignmentState.ACTIVE, start_date__lte=today)
    if since is not None:
        active = active.filter(end_date__gte=since)
    assignments = list(active.select_related("resident__area", "responsible").order_by("pk"))
    if not assignments:
        return []
    first = min(a.start_date for a in assignments)
    if since is not None:
        first = max(first, since)
    done = set(
        CheckIn.objects.filter(
            assignment__in=active.values("pk"), date__gte=first, date__lte=today
        ).values_list("assignment_id", "date", "slot")
    )
    out = []
    for a in assignments:
        day = max(a.start_date, since) if since else a.start_date
        last = min(a.end_date, today)
        while day <= last:
            for slot in (Slot.AM, Slot.PM):
                deadline = slot_deadline(day, slot)
                if a.created_at < deadline < now and (a.pk, day, slot.value) not in done:
                    out.append(OverdueSlot(a, day, slot.value, deadline))
            day += datetime.timedelta(days=1)
    return out


# --- public certificate check ------------------------------------------------------------


def holder_problem(resident, now: datetime.datetime | None = None) -> str | None:
    """Why the person may not hold a 健康证明 now (None: they may): an open case, or a current
    status other than green (the status engine's, recomputed first if it is due)."""
    from fangkong.status.choices import Colour
    from fangkong.status.engine import render
    from fangkong.status.services import current_status
    from fangkong.tracing.choices import CaseStatus

    if resident.cases.filter(status=CaseStatus.ACTIVE).exists():
        return _("该居民有治疗/隔离中的病例记录")
    status = current_status(resident, now=now)
    if status.colour != Colour.GREEN:
        return _("该居民当前为%(colour)s（%(reasons)s）") % {
            "colour": status.get_colour_display(),
            "reasons": "；".join(render(r) for r in status.reasons),
        }
    return None


def certificate_verify_path(code: str) -> str:
    return f"/verify/certificate/{code}/"


def certificate_verify_data(code: str, *, now: datetime.datetime | None = None) -> dict:
    """What the public verify page shows: valid, revoked or lapsed (the holder is now not
    green or has an open case: why is not shown), the masked name, and what the certificate
    attests (kind, period, release day) for the checker to compare with the paper."""
    code = (code or "").strip().upper()
    cert = (
        HealthCertificate.objects.select_related("resident", "assignment").filter(code=code).first()
        if code.isalnum()
        else None
    )
    if cert is None:
        return {"status": "unknown", "status_label": _("未找到该健康证明")}
    if cert.revoked:
        status, label = "revoked", _("已作废")
    elif holder_problem(cert.resident, now) is not None:
        status, label = "lapsed", _("已失效：持证人当前健康状态异常")
    else:
        status, label = "valid", _("有效")
    return {
        "status": status,
        "status_label": label,
        "masked_name": mask_name(cert.resident.name),
        "issued_on": local_date(cert.issued_at),
        "kind": cert.assignment.get_kind_display(),
        "start_date": cert.assignment.start_date,
        "end_date": cert.assignment.end_date,
        "released_on": local_date(cert.assignment.released_at),
    }
