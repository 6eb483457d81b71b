"""Test helpers shared by the screening, risk, tracing, health and status test suites."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from fangkong.core.testing.factories import make_id_number
from fangkong.registry.models import Household, Resident

_numbers = itertools.count(1)


def today() -> datetime.date:
    """The local date as the test runs, not when its module was imported: a run of the suite
    may cross local midnight."""
    return timezone.localdate()


def make_resident(area, *, name: str = "张三", household=None, **fields) -> Resident:
    """A resident saved directly (no service, so no status row until a recompute)."""
    n = next(_numbers)
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=n)
    return Resident.objects.create(
        area=area,
        household=household,
        name=name,
        id_number=make_id_number(birth=birth),
        phone=f"1380000{n:04d}",
        **fields,
    )


def make_household(area, number: str) -> Household:
    return Household.objects.create(area=area, number=number, address=f"测试小区{number}")


def approve_override(requester, approver, resident, *, colour: str = "green", days: int = 3):
    """A status override requested by ``requester`` and approved by ``approver``, running
    for ``days``. Run it inside ``django_capture_on_commit_callbacks(execute=True)`` for the
    status to follow."""
    from fangkong.status.services import approve_status_override, request_status_override

    override = request_status_override(
        actor=requester,
        resident=resident,
        colour=colour,
        reason="外地核酸阴性证明",
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    approve_status_override(actor=approver, override=override)
    return override
