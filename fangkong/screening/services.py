"""Every write to screening campaigns, visits and findings goes through these functions."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.services import (
    audited_create,
    audited_delete,
    lock_rows,
    lock_versioned,
    require_area,
    require_perm,
    save_versioned,
)
from fangkong.registry.models import Resident
from fangkong.status.clock import local_date

from . import coverage
from .choices import FindingKind, VisitOutcome
from .models import Campaign, Finding, Visit


def create_campaign(
    *,
    actor,
    area,
    title: str,
    starts_on: datetime.date,
    due_on: datetime.date,
    description: str = "",
    origin_filter: str = "",
    since: datetime.date | None = None,
) -> Campaign:
    require_perm(actor, "screening.add_campaign")
    require_area(actor, area)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("摸排行动名称不能为空")})
    if starts_on is None:
        raise ValidationError({"starts_on": _("请填写开始日期")})
    if due_on is None or due_on < starts_on:
        raise ValidationError({"due_on": _("完成期限不能早于开始日期")})
    with transaction.atomic():
        campaign = audited_create(
            actor,
            Campaign,
            area=area,
            title=title,
            description=description.strip(),
            origin_filter=origin_filter.strip(),
            since=since,
            starts_on=starts_on,
            due_on=due_on,
            created_by=actor,
        )
    return campaign


def close_campaign(*, actor, campaign: Campaign, now: datetime.datetime | None = None) -> Campaign:
    require_perm(actor, "screening.change_campaign")
    require_area(actor, campaign.area)
    with transaction.atomic():
        before = lock_versioned(campaign, None)
        if before.closed:
            raise ValidationError({"closed": _("该摸排行动已结束")})
        campaign.closed, campaign.closed_at = True, now or timezone.now()
        campaign.version = before.version + 1
        campaign.save()
        audit.record_update(actor, before, campaign)
    return campaign


def _check_open(campaign: Campaign) -> None:
    if campaign.closed:
        raise ValidationError({"campaign": _("该摸排行动已结束，不能再登记")})


def _check_in_campaign(campaign: Campaign, area, field: str) -> None:
    _check_open(campaign)
    if not area.is_within(campaign.area):
        raise ValidationError({field: _("不在本次摸排范围内")})


# One household's people (the visit form's bound, for the API too): a typo of 330 for 3
# would otherwise stand in every 在户人数 figure of the campaign.
MAX_PEOPLE = 99


def _visit_counts(outcome: str, people_found, new_people) -> tuple[int, int]:
    """The outcome and counts of a visit, recorded or corrected: the counts as integers."""
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": _("请选择走访结果")})
    try:
        people_found, new_people = int(people_found or 0), int(new_people or 0)
    except (TypeError, ValueError):
        raise ValidationError({"people_found": _("人数应为整数")}) from None
    if people_found < 0 or new_people < 0:
        raise ValidationError({"people_found": _("人数不能为负数")})
    if people_found > MAX_PEOPLE:
        raise ValidationError(
            {"people_found": _("一户在户人数最多 %(n)d 人，请核对") % {"n": MAX_PEOPLE}}
        )
    if new_people > people_found:
        raise ValidationError({"new_people": _("新发现人数不能多于在户人数")})
    if outcome != VisitOutcome.VISITED and people_found:
        raise ValidationError({"people_found": _("未入户时在户人数应为 0")})
    return people_found, new_people


def _check_visited_at(campaign: Campaign, visited_at: datetime.datetime) -> None:
    if visited_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"visited_at": _("走访时间不能晚于当前时间")})
    if local_date(visited_at) < campaign.starts_on:
        raise ValidationError({"visited_at": _("走访时间不能早于摸排行动的开始日期")})


def record_visit(
    *,
    actor,
    campaign: Campaign,
    household,
    outcome: str,
    visited_at: datetime.datetime | None = None,
    people_found: int = 0,
    new_people: int = 0,
    notes: str = "",
) -> Visit:
    """One visit to one household. A conclusive one (found in, moved out) settles the
    household for the campaign; nobody home or refused never undo that (``selectors``)."""
    require_perm(actor, "screening.add_visit")
    require_area(actor, household.area)
    return write_visit(
        actor=actor,
        campaign=campaign,
        household=household,
        outcome=outcome,
        visited_at=visited_at,
        people_found=people_found,
        new_people=new_people,
        notes=notes,
    )


def write_visit(
    *,
    actor,
    campaign: Campaign,
    household,
    outcome: str,
    visited_at: datetime.datetime | None = None,
    people_found: int = 0,
    new_people: int = 0,
    notes: str = "",
) -> Visit:
    """``record_visit`` once the caller has decided the actor may visit the household (staff
    by permission and area; a party member by their 包联, ``pairing.services``): the
    campaign's and the values' checks, the write and the kept coverage."""
    _check_in_campaign(campaign, household.area, "household")
    people_found, new_people = _visit_counts(outcome, people_found, new_people)
    visited_at = visited_at or timezone.now()
    _check_visited_at(campaign, visited_at)
    with transaction.atomic(), coverage.keeping(household.pk):
        visit = audited_create(
            actor,
            Visit,
            campaign=campaign,
            household=household,
            visited_by=actor,
            visited_at=visited_at,
            outcome=outcome,
            people_found=people_found,
            new_people=new_people,
            notes=notes,
        )
    return visit


def _check_visit_change(actor, visit: Visit, reason: str, missing: str) -> str:
    """Who may correct or void a visit, and when: as for recording it, with a reason."""
    require_perm(actor, "screening.add_visit")
    require_area(actor, visit.household.area)
    _check_open(visit.campaign)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": missing})
    return reason


def correct_visit(
    *,
    actor,
    visit: Visit,
    version,
    outcome: str,
    people_found: int = 0,
    new_people: int = 0,
    notes: str = "",
    visited_at: datetime.datetime | None = None,
    reason: str,
) -> Visit:
    """Correct a visit recorded by mistake (moved out tapped for nobody home): audited with
    the reason, and the coverage follows — a household no longer settled is to visit again.
    No ``visited_at``: the time recorded stays."""
    reason = _check_visit_change(actor, visit, reason, _("请填写更正原因"))
    people_found, new_people = _visit_counts(outcome, people_found, new_people)
    visited_at = visited_at or visit.visited_at
    _check_visited_at(visit.campaign, visited_at)
    fields = {
        "outcome": outcome,
        "people_found": people_found,
        "new_people": new_people,
        "notes": notes or "",
        "visited_at": visited_at,
    }
    with transaction.atomic(), coverage.keeping(visit.household_id):
        before = lock_versioned(visit, version)
        return save_versioned(actor, visit, before, fields, reason=reason)


def void_visit(*, actor, visit: Visit, version, reason: str) -> None:
    """撤销 a visit recorded by mistake (the wrong household): deleted, audited with the reason;
    the findings it found keep standing, no longer tied to it (each re-link audited)."""
    reason = _check_visit_change(actor, visit, reason, _("请填写撤销原因"))
    with transaction.atomic(), coverage.keeping(visit.household_id):
        current = lock_versioned(visit, version)
        # Explicitly, not by the foreign key's SET NULL: the audit log shows each finding move.
        for finding in Finding.objects.filter(visit=visit).order_by("pk"):
            before = lock_versioned(finding, None)
            save_versioned(
                actor, finding, before, {"visit_id": None}, reason=_("所属走访记录已撤销")
            )
        audited_delete(actor, current, reason=reason)


def correct_finding(*, actor, finding: Finding, kind: str) -> Finding | None:
    """Correct a person found by mistake (a mis-tapped button): another ``kind``, or none at
    all (the finding is removed); audited, and every figure and list follows."""
    require_perm(actor, "screening.add_finding")
    require_area(actor, finding.resident.area)
    if finding.campaign.closed:
        raise ValidationError({"campaign": _("该摸排行动已结束，不能再登记")})
    if kind and kind not in FindingKind.values:
        raise ValidationError({"kind": _("请选择人员类别")})
    with transaction.atomic():
        before = lock_versioned(finding, None)
        if not kind:
            audited_delete(actor, finding, reason=_("撤销摸排发现"))
            return None
        if before.kind == kind:
            raise ValidationError({"kind": _("该居民已按此类别登记")})
        return save_versioned(actor, finding, before, {"kind": kind}, reason=_("更正人员类别"))


def record_finding(
    *,
    actor,
    campaign: Campaign,
    resident,
    kind: str,
    visit: Visit | None = None,
    found_at: datetime.datetime | None = None,
) -> Finding:
    require_perm(actor, "screening.add_finding")
    require_area(actor, resident.area)
    _check_in_campaign(campaign, resident.area, "resident")
    if kind not in FindingKind.values:
        raise ValidationError({"kind": _("请选择人员类别")})
    if visit is not None and (
        visit.campaign_id != campaign.pk or visit.household_id != resident.household_id
    ):
        raise ValidationError({"visit": _("走访记录与该居民所在的户不符")})
    with transaction.atomic():
        lock_rows(Resident, [resident.pk])  # two grid workers at one door: one finding
        if Finding.objects.filter(campaign=campaign, resident=resident).exists():
            raise ValidationError({"resident": _("该居民已在本次摸排中登记")})
        finding = audited_create(
            actor,
            Finding,
            campaign=campaign,
            resident=resident,
            visit=visit,
            kind=kind,
            found_at=found_at or timezone.now(),
            found_by=actor,
        )
    return finding
