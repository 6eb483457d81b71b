"""Demo duty data: working groups, a week of rosters (with one uncovered night), a handover
with an open item, and a notice half signed — enough for every duty page to show something.

Written once: if the community's working group exists, nothing is added. Every row gets its
audit entry through the loader's ``record_many``.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.duty.choices import DutyRole, NoticeKind
from fangkong.duty.models import Handover, HandoverItem, Notice, NoticeReceipt, Shift, WorkingGroup
from fangkong.status.clock import at_local

from .accounts import CITY, COMMUNITY, STREET

DAYS = 7
GROUPS = (
    (CITY, "疫情防控指挥部专班", "command", ("command", "leader")),
    (STREET, "街道疫情防控专班", "street", ("street",)),
    (COMMUNITY, "社区疫情防控专班", "community", ("community", "grid", "volunteer")),
)


def ensure_duty(
    areas: dict[str, Area], users: dict[str, User], events: list[audit.Event], reason: str
) -> int:
    """Create the demo duty rows that are missing; returns how many rows were written."""
    if WorkingGroup.objects.filter(area=areas[COMMUNITY], name=GROUPS[-1][1]).exists():
        return 0
    rows: list = []
    for code, name, leader, members in GROUPS:
        group = WorkingGroup.objects.create(area=areas[code], name=name, leader=users[leader])
        group.members.set([users[m] for m in members])
        rows.append(group)
    today = timezone.localdate()
    first = today - datetime.timedelta(days=3)
    shifts = []
    for offset in range(DAYS):
        day = first + datetime.timedelta(days=offset)
        nxt = day + datetime.timedelta(days=1)
        shifts.append(
            Shift(
                area=areas[COMMUNITY],
                group=rows[2],
                person=users["community"],
                role=DutyRole.LEADER,
                start=at_local(day, 8),
                end=at_local(day, 20),
            )
        )
        if offset < DAYS - 1:  # the last night is left uncovered: the coverage page flags it
            shifts.append(
                Shift(
                    area=areas[COMMUNITY],
                    group=rows[2],
                    person=users["grid"],
                    start=at_local(day, 20),
                    end=at_local(nxt, 8),
                )
            )
        shifts.append(
            Shift(
                area=areas[STREET],
                group=rows[1],
                person=users["street"],
                role=DutyRole.LEADER,
                start=at_local(day, 8),
                end=at_local(nxt, 8),
            )
        )
    rows += Shift.objects.bulk_create(shifts)
    handover = Handover.objects.create(
        area=areas[COMMUNITY],
        outgoing=users["grid"],
        incoming=users["community"],
        handed_at=at_local(today, 8),
        notes="夜班平稳，卡点测温登记 126 人次，无异常。",
    )
    rows.append(handover)
    rows.append(
        HandoverItem.objects.create(
            area=areas[COMMUNITY], handover=handover, text="3 号楼居家隔离户今日送菜"
        )
    )
    notice = Notice.objects.create(
        sender_area=areas[CITY],
        kind=NoticeKind.NOTICE,
        title="关于严格落实 24 小时值班制度的通知",
        body="各单位两级防控组织工作人员须在三码合格的情况下到岗，坚决执行 24 小时值班制度。",
        deadline=at_local(today + datetime.timedelta(days=1), 18),
        sent_by=users["command"],
        sent_at=at_local(today, 9),
    )
    notice.target_areas.set([areas[CITY]])
    recipients = [u for u in users.values() if u.pk != users["command"].pk and u.area_id]
    receipts = NoticeReceipt.objects.bulk_create(
        [
            NoticeReceipt(
                notice=notice,
                user=u,
                area_id=u.area_id,
                role=u.role,
                acknowledged_at=at_local(today, 10) if u.username in ("street", "grid") else None,
            )
            for u in sorted(recipients, key=lambda u: u.username)
        ]
    )
    Notice.objects.filter(pk=notice.pk).update(recipient_count=len(receipts))
    notice.recipient_count = len(receipts)
    rows += [notice, *receipts]
    for row in rows:
        events.append(audit.event_for(row, "create", changes=audit.snapshot(row), reason=reason))
    return len(rows)
