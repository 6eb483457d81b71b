"""The demo city's duty data: one uncovered night on the community's roster, a half-signed
notice, an open handover item; written once."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.demo.accounts import COMMUNITY
from fangkong.duty import selectors
from fangkong.duty.coverage import unit_coverage
from fangkong.duty.models import HandoverItem, Notice, Shift, WorkingGroup
from fangkong.status.clock import at_local

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", residents=50, communities_per_street=1, stdout=None)


def test_demo_duty_rows(demo):
    community = Area.objects.get(code=COMMUNITY)
    today = timezone.localdate()
    first = today - datetime.timedelta(days=3)
    days = unit_coverage(Shift.objects.all(), community, first, 7)
    # Before the first night the roster starts at 08:00; the last night is uncovered.
    assert days[0].gaps == [(days[0].start, at_local(first, 8))]
    assert [d.gaps for d in days[1:6]] == [[]] * 5
    assert days[6].gaps == [(at_local(today + datetime.timedelta(days=3), 20), days[6].end)]
    notice = Notice.objects.get()
    report = selectors.acknowledgment_report(notice)
    assert sorted(r.user.username for r in report.acknowledged) == ["grid", "street"]
    assert len(report.pending) == 6
    assert [i.text for i in HandoverItem.objects.filter(closed_at__isnull=True)] == [
        "3 号楼居家隔离户今日送菜"
    ]
    assert WorkingGroup.objects.count() == 3
    call_command("load_demo", residents=50, communities_per_street=1, stdout=None)
    assert (WorkingGroup.objects.count(), Shift.objects.count()) == (3, 20)
