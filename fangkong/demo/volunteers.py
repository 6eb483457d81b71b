"""Demo volunteers: the situations of seeds 002 and 003 in the demo city.

833 party-member volunteers (seed 003), of whom 150 form the reserve pool (储备队员, seed 002)
and the rest are on duty; 48 in-service party members reported to their communities (seed
004); 45 temporary party branches and a 16-person commando team (seed 003); four checkpoint
needs in four communities and the first batch of 30 dispatched from the reserve pool to them
(首批 30 名下沉 4 个社区, seed 002). Written in bulk with one audit entry per row; a second
run adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.models.audit import AuditAction

from .generators import make_id_number, make_name, make_phone

VOLUNTEERS = 833
RESERVE = 150
PARTY_REPORTS = 48
PARTY_BRANCHES = 45
COMMANDO_SIZE = 16
FIRST_BATCH = (8, 8, 7, 7)  # 30 volunteers to 4 communities
# Rows (and audit entries) one load writes: volunteers, reports, teams, needs, batch, tasks.
ROWS = VOLUNTEERS + PARTY_REPORTS + PARTY_BRANCHES + 1 + len(FIRST_BATCH) + 1 + sum(FIRST_BATCH)
REASON = "演示数据（fangkong load-demo）"
WORK_UNITS = ("市委编办", "市民政局", "市退役军人事务局", "市直机关工委", "市教育局", "市卫健委")
SKILL_SETS = (
    "medical",
    "driving",
    "publicity",
    "disinfection",
    "order",
    "data_entry",
    "psychological",
    "logistics",
    "translation",
)


def _created(instance, events: list[audit.Event]) -> None:
    events.append(
        audit.event_for(
            instance, AuditAction.CREATE, changes=audit.snapshot(instance), reason=REASON
        )
    )


def _volunteer_rows(communities: list[Area], rng: random.Random):
    from fangkong.volunteers.choices import PoolState, Source
    from fangkong.volunteers.models import Volunteer
    from fangkong.volunteers.rules import encode_days, encode_skills, encode_times

    rows = []
    for i in range(VOLUNTEERS):
        gender = rng.choice("MF")
        skills = rng.sample(SKILL_SETS, rng.choice((1, 2)))
        days = sorted(rng.sample("1234567", rng.randint(3, 7)))
        times = sorted(rng.sample(["am", "pm", "ev", "night"], rng.randint(1, 3)))
        rows.append(
            Volunteer(
                area=communities[i % len(communities)],
                name=make_name(gender, rng),
                id_number=make_id_number(gender=gender, rng=rng),
                phone=make_phone(rng),
                organisation=rng.choice(WORK_UNITS),
                is_party_member=True,
                skills=encode_skills(skills),  # in the choices' order, as every save
                available_days=encode_days(days),
                available_times=encode_times(times),
                state=PoolState.RESERVE if i < RESERVE else PoolState.ACTIVE,
                source=Source.IMPORT,
                reviewed_at=timezone.now(),
            )
        )
    return rows


def load_volunteers(root: Area, *, seed: int, events: list[audit.Event]) -> int:
    """Write the demo volunteers under ``root``; returns how many rows were created."""
    from fangkong.volunteers import matching
    from fangkong.volunteers.choices import NeedKind, TeamKind
    from fangkong.volunteers.models import (
        Assignment,
        DispatchBatch,
        Need,
        PartyReport,
        Team,
        Volunteer,
    )

    if Volunteer.objects.in_area(root).exists():
        return 0
    communities = list(
        Area.objects.in_area(root).filter(level=AreaLevel.COMMUNITY).order_by("path")
    )
    if len(communities) < len(FIRST_BATCH):
        return 0
    rng = random.Random(seed + 6)
    volunteers = Volunteer.objects.bulk_create(_volunteer_rows(communities, rng), batch_size=1000)
    volunteers = list(Volunteer.objects.in_area(root).order_by("pk"))
    for v in volunteers:
        _created(v, events)
    reports = PartyReport.objects.bulk_create(
        PartyReport(
            volunteer=v,
            area=v.area,
            reported_on=datetime.date(2020, 2, 10),
            work_unit=v.organisation,
        )
        for v in volunteers[RESERVE : RESERVE + PARTY_REPORTS]
    )
    teams = [
        Team(
            area=communities[i % len(communities)],
            name=f"临时党支部{i + 1:02d}",
            kind=TeamKind.PARTY_BRANCH,
        )
        for i in range(PARTY_BRANCHES)
    ] + [Team(area=communities[0], name="市委编办党员突击队", kind=TeamKind.COMMANDO)]
    teams = Team.objects.bulk_create(teams)
    teams = list(Team.objects.in_area(root).order_by("pk"))
    members = Team.members.through
    links = []
    active = volunteers[RESERVE:]
    for i, team in enumerate(teams[:-1]):
        group = active[i * 10 : i * 10 + 10]
        team.leader = group[0]
        links += [members(team_id=team.pk, volunteer_id=v.pk) for v in group]
    commando = teams[-1]
    commando.leader = active[-COMMANDO_SIZE]
    links += [members(team_id=commando.pk, volunteer_id=v.pk) for v in active[-COMMANDO_SIZE:]]
    Team.objects.bulk_update(teams, ["leader"])
    members.objects.bulk_create(links)
    for row in (*reports, *teams):
        _created(row, events)
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    start += datetime.timedelta(days=1)
    needs = []
    for community, count in zip(communities, FIRST_BATCH, strict=False):
        needs.append(
            Need(
                area=community,
                kind=NeedKind.CHECKPOINT,
                title=f"{community.name}卡点值守",
                place=f"{community.name}东门卡点",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=12),
                headcount=count,
            )
        )
    needs = Need.objects.bulk_create(needs)
    needs = list(Need.objects.in_area(root).order_by("pk"))
    batch = DispatchBatch.objects.create(area=root, name="首批下沉社区志愿者")
    for row in (*needs, batch):
        _created(row, events)
    reserve = Volunteer.objects.filter(pk__in=[v.pk for v in volunteers[:RESERVE]])
    picked: set[int] = set()
    created = 0
    for need, count in zip(needs, FIRST_BATCH, strict=True):
        proposals = matching.propose(need, reserve, exclude=picked, limit=count)
        picked.update(p.volunteer.pk for p in proposals)
        Assignment.objects.bulk_create(
            Assignment(
                need=need,
                volunteer=p.volunteer,
                batch=batch,
                score=p.score,
                reason=p.explanation[:500],
            )
            for p in proposals
        )
        created += len(proposals)
    for a in Assignment.objects.filter(batch=batch):
        _created(a, events)
    return len(volunteers) + len(reports) + len(teams) + len(needs) + 1 + created


def link_volunteer_account(user, events: list[audit.Event]) -> int:
    """The demo's volunteer account as one of the volunteers of its community (one with a
    task when there is one), so that 我的志愿服务 has someone's profile and tasks to show;
    returns 1 when it linked one."""
    from fangkong.volunteers.models import Volunteer

    if user is None or user.area is None or Volunteer.objects.filter(user=user).exists():
        return 0
    mine = Volunteer.objects.in_area(user.area).filter(user__isnull=True).order_by("pk")
    volunteer = mine.filter(assignments__isnull=False).first() or mine.first()
    if volunteer is None:
        return 0
    before = Volunteer.objects.get(pk=volunteer.pk)
    volunteer.user = user
    volunteer.save(update_fields=["user"])
    events.append(
        audit.event_for(
            volunteer, AuditAction.UPDATE, changes=audit.diff(before, volunteer), reason=REASON
        )
    )
    # One person: the account bears the volunteer's name (duty rosters show the account's).
    account_before = type(user).objects.get(pk=user.pk)
    user.full_name = volunteer.name
    user.save(update_fields=["full_name"])
    events.append(
        audit.event_for(
            user, AuditAction.UPDATE, changes=audit.diff(account_before, user), reason=REASON
        )
    )
    return 1
