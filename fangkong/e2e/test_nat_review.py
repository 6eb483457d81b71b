"""阳性待复核 in a real browser: the community finds the positive results nobody has reviewed,
excludes one on a negative re-test (the note is asked for first), and confirms the other by
registering the case, which settles the result as 已确诊; each person's colour follows."""

import datetime

import pytest
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.health.models import NucleicAcidTest
from fangkong.status.models import PersonStatus
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident

from .conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def positives(transactional_db):
    areas = factories.build_city()
    factories.build_users(areas)
    sampled = timezone.now() - datetime.timedelta(hours=6)
    tests = {}
    for name in ("周复核", "吴确诊"):
        person = make_resident(areas["grid_a"], name=name)
        tests[name] = NucleicAcidTest.objects.create(
            resident=person, sampled_at=sampled, result="positive", institution="市疾控中心"
        )
    recompute_status([t.resident_id for t in tests.values()], cause="测试")
    return tests


def _colour(test) -> str:
    return PersonStatus.objects.get(resident_id=test.resident_id).colour


def _list_pending(pg, live_server) -> list[str]:
    pg.goto(f"{live_server.url}/health/tests/?pending_review=true")
    return pg.locator("main table tbody tr").all_inner_texts()


def test_positives_awaiting_review_are_excluded_with_a_note_or_confirmed_by_a_case(
    page, live_server, positives
):
    excluded, confirmed = positives["周复核"], positives["吴确诊"]
    assert _colour(excluded) == _colour(confirmed) == "red"
    login(page, live_server, "community")
    rows = _list_pending(page, live_server)
    assert len(rows) == 2

    # 复核排除 without a note is refused, with the reason beside the field; nothing changes.
    page.goto(f"{live_server.url}/health/tests/{excluded.pk}/")
    assert page.locator("[data-pending-review]").count() == 1
    page.on("dialog", lambda d: d.accept())
    page.check("input[name=review][value=excluded]")
    page.click("button:has-text('提交复核')")
    assert "复核排除须填写说明" in page.inner_text("main")
    excluded.refresh_from_db()
    assert excluded.review == ""
    page.check("input[name=review][value=excluded]")
    page.fill("#id_review_note", "复采样本阴性，原结果为实验室污染")
    page.click("button:has-text('提交复核')")
    assert "已复核，本人状态已重新计算" in page.inner_text("main")
    assert page.locator("[data-pending-review]").count() == 0
    excluded.refresh_from_db()
    assert excluded.review == "excluded"
    assert _colour(excluded) != "red"

    # 已确诊 needs the case first: the page says so and offers to register it.
    page.goto(f"{live_server.url}/health/tests/{confirmed.pk}/")
    page.check("input[name=review][value=case]")
    page.click("button:has-text('提交复核')")
    assert "请先在“病例”中登记确诊病例" in page.inner_text("main")
    page.click("a:has-text('登记为病例')")
    page.select_option("#id_kind", "confirmed")
    page.fill("#id_confirmed_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.click("main form button[type=submit]")
    assert "已登记病例" in page.inner_text("main")
    confirmed.refresh_from_db()
    assert confirmed.review == "case"
    assert _colour(confirmed) == "red"  # the case carries the red now

    assert _list_pending(page, live_server) == ["没有符合条件的记录"]
    page.goto(f"{live_server.url}/health/tests/{confirmed.pk}/")
    assert "已确诊" in page.inner_text("main")
    shot(page, "nat-review-confirmed")
