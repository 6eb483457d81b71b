"""A small city with a record of every personal kind, some of it years old.

For the backup round trip (every table holds rows) and for retention (old and recent records
of every registered model). Built through the services, so the audit chain is real.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from fangkong.core.testing.factories import make_id_number, make_phone

OLD_DAYS = 800  # older than every default retention period
RECENT_DAYS = 10


@dataclass
class Population:
    residents: list
    old: dict  # label -> pk of the old record
    recent: dict  # label -> pk of the recent record


def populate(areas, users) -> Population:
    from fangkong.health import services as health
    from fangkong.health.choices import AssignmentKind, NatResult, Slot
    from fangkong.registry import services as registry
    from fangkong.screening import services as screening
    from fangkong.tracing import services as tracing
    from fangkong.tracing.choices import CaseKind, CaseStatus, ContactDegree

    rng = random.Random(31)
    actor = users["command"]
    now = timezone.now()
    today = timezone.localdate()
    household = registry.create_household(
        actor=actor, area=areas["grid_a"], number="1-101", address="幸福路 1 号 1-101"
    )
    residents = [
        registry.create_resident(
            actor=actor,
            data={
                "area": areas["grid_a"],
                "household": household,
                "name": name,
                "id_number": make_id_number(rng=rng),
                "phone": make_phone(rng),
                "address": "幸福路 1 号",
            },
        )
        for name in ("王一", "王二", "李三", "赵四")
    ]
    old, recent = {}, {}
    for ages, store, who in (
        ((OLD_DAYS,), old, residents[:2]),
        ((RECENT_DAYS,), recent, residents[2:]),
    ):
        days = ages[0]
        start = today - dt.timedelta(days=days + 14)
        a = health.create_assignment(
            actor=actor,
            resident=who[0],
            kind=AssignmentKind.HOME_QUARANTINE,
            start_date=start,
            end_date=today - dt.timedelta(days=days),
            place="幸福路 1 号 1-101",
        )
        checkin, _ = health.record_checkin(
            actor=actor,
            assignment=a,
            date=start,
            slot=Slot.AM,
            temperature="36.6",
            now=timezone.make_aware(dt.datetime.combine(start, dt.time(9))),
        )
        health.release_assignment(
            actor=actor, assignment=a, note="按期解除", now=now - dt.timedelta(days=days)
        )
        a.refresh_from_db()
        cert = health.issue_certificate(
            actor=actor, assignment=a, now=now - dt.timedelta(days=days)
        )
        nat, _ = health.record_nat_result(
            actor=actor,
            resident=who[1],
            sampled_at=now - dt.timedelta(days=days),
            result=NatResult.NEGATIVE,
            institution="市疾控中心",
            now=now - dt.timedelta(days=days),
        )
        case = tracing.create_case(
            actor=actor,
            resident=who[1],
            kind=CaseKind.CONFIRMED,
            confirmed_at=now - dt.timedelta(days=days + 20),
            notes="曾到过农贸市场",
        )
        case = tracing.discharge_case(
            actor=actor,
            case=case,
            status=CaseStatus.DISCHARGED,
            discharged_at=now - dt.timedelta(days=days),
        )
        contact = tracing.create_contact(
            actor=actor,
            resident=who[0],
            case=case,
            degree=ContactDegree.CLOSE,
            last_exposure=today - dt.timedelta(days=days + 20),
            reason="同住",
        )
        campaign = screening.create_campaign(
            actor=actor,
            area=areas["community"],
            title=f"返乡人员摸排 {days}",
            starts_on=today - dt.timedelta(days=days + 5),
            due_on=today - dt.timedelta(days=days),
        )
        visit = screening.record_visit(
            actor=actor,
            campaign=campaign,
            household=household,
            outcome="visited",
            visited_at=now - dt.timedelta(days=days),
            notes="家中老人行动不便",
        )
        store.update(
            {
                "health.assignment": a.pk,
                "health.checkin": checkin.pk,
                "health.healthcertificate": cert.pk,
                "health.nucleicacidtest": nat.pk,
                "tracing.case": case.pk,
                "tracing.contact": contact.pk,
                "screening.visit": visit.pk,
            }
        )
    return Population(residents, old, recent)
