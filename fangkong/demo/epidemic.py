"""Demo epidemic work, so that the status, tracing, health and screening pages of a fresh
demo show what they are for: two cases among people who scanned in today, their contacts
traced from those scans and households (some confirmed and sent to home quarantine, one
dismissed, the rest left to verify), returnees under health monitoring with yesterday's
check-ins (one with a fever, which raises an alert) and a 返乡人员入户摸排 over the demo
community's street with its first visits. Written through the services (audited like real
work, statuses following from the facts), dated relative to now, deterministic with the
seed; a second run adds nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.health import services as health
from fangkong.health.choices import AssignmentKind, Slot
from fangkong.registry.choices import ResidentCategory
from fangkong.registry.models import Household, Resident
from fangkong.screening import services as screening
from fangkong.screening.choices import FindingKind, VisitOutcome
from fangkong.status.clock import local_date
from fangkong.tracing import services as tracing
from fangkong.tracing.choices import CaseKind, ContactDegree
from fangkong.tracing.models import Case
from fangkong.venues.models import Scan

CASE_CODES = ("PZH-001", "PZH-002")
MONITORED = 20  # returnees under health monitoring


def load_epidemic_demo(*, seed: int, command, community) -> dict[str, int]:
    """The demo's epidemic work if its cases are missing; what was created."""
    if command is None or Case.objects.filter(code__in=CASE_CODES).exists():
        return {}
    rng = random.Random(seed)
    now = timezone.now()
    today = local_date(now)
    created = _cases(command, rng, now, today, community)
    created["monitoring"] = _monitoring(command, rng, today, community)
    if community is not None:
        created["screening_visits"] = _screening(command, rng, community, now, today)
    return created


def _pick(rng: random.Random, pks: list[int], n: int, near: Area | None) -> list[int]:
    """``n`` of ``pks`` at random, people living in ``near`` before others: the demo's
    community and grid accounts then find some of the work on their own pages."""
    chosen: list[int] = []
    for area in (near, None):
        if area is None:
            pool = set(pks)
        else:
            pool = set(
                Resident.objects.in_area(area).filter(pk__in=pks).values_list("pk", flat=True)
            )
        pool = sorted(pool - set(chosen))
        chosen += rng.sample(pool, min(n - len(chosen), len(pool)))
        if len(chosen) == n:
            break
    return chosen


def _cases(command, rng: random.Random, now, today, community) -> dict[str, int]:
    # People who scanned in today: their visits overlap others' at the same venues.
    visitors = sorted(
        set(
            Scan.objects.filter(resident__isnull=False, scanned_at__lt=now).values_list(
                "resident", flat=True
            )
        )
    )
    if len(visitors) < len(CASE_CODES):
        return {}
    first = _pick(rng, visitors, 1, community)  # one case in the demo community
    picked = first + _pick(rng, [v for v in visitors if v not in first], 1, None)
    people = Resident.objects.in_bulk(picked)
    counts = {"cases": 0, "contacts": 0, "confirmed_contacts": 0, "quarantined": 0}
    plans = [
        (CaseKind.CONFIRMED, today - datetime.timedelta(days=2), "外地输入（返乡人员）"),
        (CaseKind.ASYMPTOMATIC, None, "集中隔离点筛查发现"),
    ]
    # Both cases are registered before either is traced, as an office would on a day
    # with two: tracing then sees the other case as a case, never as a contact to quarantine.
    cases = [
        tracing.create_case(
            actor=command,
            resident=people[pk],
            kind=kind,
            confirmed_at=now - datetime.timedelta(minutes=1),  # after its scans today
            onset_date=onset,
            code=code,
            source=source,
            notes="流调：近 14 天活动轨迹已核实，本人及家属已转运。",
        )
        for code, pk, (kind, onset, source) in zip(CASE_CODES, picked, plans, strict=True)
    ]
    counts["cases"] = len(cases)
    for case in cases:
        tracing.trace_case(actor=command, case=case, now=now)
        # A contact who is the other case is managed as a case (the service refuses to
        # quarantine it): left for staff to look at.
        close = list(
            case.contacts.filter(degree=ContactDegree.CLOSE)
            .exclude(resident__in=[c.resident_id for c in cases])
            .select_related("resident")
            .order_by("resident_id")
        )
        counts["contacts"] += case.contacts.count()
        # About half confirmed, one dismissed when there are two or more, the rest (and
        # the secondary contacts) left for staff to verify.
        confirmed = [
            tracing.confirm_contact(actor=command, contact=c, reason="电话核实：同一时段在场")
            for c in close[: (len(close) + 1) // 2]
        ]
        if len(close) >= 2:
            tracing.dismiss_contact(
                actor=command, contact=close[len(confirmed)], reason="核实：该时段不在场"
            )
        counts["confirmed_contacts"] += len(confirmed)
        if confirmed:
            counts["quarantined"] += len(
                tracing.quarantine_contacts(
                    actor=command,
                    case=case,
                    contacts=confirmed,
                    kind=AssignmentKind.HOME_QUARANTINE,
                    place="居家",
                    today=today,
                )
            )
    return counts


def _monitoring(command, rng: random.Random, today, community) -> int:
    """Returnees under 14 days' health monitoring since three days ago, with yesterday's
    morning and afternoon check-ins; one of them ran a fever (an alert for the grid)."""
    returnees = list(
        Resident.objects.filter(category=ResidentCategory.RETURNEE)
        .exclude(health_assignments__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    near = _pick(rng, returnees, MONITORED // 2, community)  # half in the demo community
    far = _pick(rng, [r for r in returnees if r not in set(near)], MONITORED - len(near), None)
    chosen = Resident.objects.in_bulk(near + far)
    start, yesterday = today - datetime.timedelta(days=3), today - datetime.timedelta(days=1)
    for n, person in enumerate(chosen.values()):
        assignment = health.create_assignment(
            actor=command,
            resident=person,
            kind=AssignmentKind.HEALTH_MONITORING,
            start_date=start,
            end_date=start + datetime.timedelta(days=13),
        )
        for slot in (Slot.AM, Slot.PM):
            fever = n == 0 and slot == Slot.PM
            temperature = Decimal("37.8") if fever else Decimal(f"36.{rng.randrange(2, 8)}")
            health.record_checkin(
                actor=command,
                assignment=assignment,
                date=yesterday,
                slot=slot,
                temperature=temperature,
                symptoms=("fever",) if fever else (),
            )
    return len(chosen)


def _screening(command, rng: random.Random, community: Area, now, today) -> int:
    """A street's 返乡人员入户摸排 since two days ago: two thirds of the demo community's
    households visited (a few with nobody home), their returnees and newcomers found."""
    street = community.parent if community.level == AreaLevel.COMMUNITY else community
    campaign = screening.create_campaign(
        actor=command,
        area=street,
        title="返乡人员入户摸排",
        starts_on=today - datetime.timedelta(days=2),
        due_on=today + datetime.timedelta(days=5),
        description="逐户登记返乡、流入人员，落实居家观察措施。",
    )
    homes = list(Household.objects.in_area(community).order_by("pk"))
    members: dict[int, list[Resident]] = {}
    for person in Resident.objects.filter(household__in=homes).order_by("pk"):
        members.setdefault(person.household_id, []).append(person)
    found_kinds = {
        ResidentCategory.RETURNEE: FindingKind.RETURNEE,
        ResidentCategory.INFLOW: FindingKind.INFLOW,
    }
    visits = 0
    for home in homes[: len(homes) * 2 // 3]:
        people = members.get(home.pk, [])
        at = now - datetime.timedelta(hours=rng.randrange(1, 30))
        home_visited = bool(people) and rng.random() >= 0.1
        visit = screening.record_visit(
            actor=command,
            campaign=campaign,
            household=home,
            outcome=VisitOutcome.VISITED if home_visited else VisitOutcome.NOBODY_HOME,
            visited_at=at,
            people_found=len(people) if home_visited else 0,
        )
        visits += 1
        if not home_visited:
            continue
        for person in people:  # who came back or moved in is registered as found
            kind = found_kinds.get(person.category)
            if kind is not None:
                screening.record_finding(
                    actor=command,
                    campaign=campaign,
                    resident=person,
                    kind=kind,
                    visit=visit,
                    found_at=at,
                )
    return visits
