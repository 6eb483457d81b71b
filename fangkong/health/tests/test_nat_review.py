"""阳性复核: a positive result keeps its person red until it is settled — by the case recorded
for them (whose recovery then ends the red) or by a reviewer's exclusion on its page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.health.models import NucleicAcidTest
from fangkong.health.services import record_nat_result
from fangkong.status.models import PersonStatus
from fangkong.status.testing import make_resident
from fangkong.tracing import services as tracing

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return call


@pytest.fixture
def positive(users, areas, run):
    resident = make_resident(areas["grid_a"], name="欧阳明月")
    test, _created = run(
        record_nat_result,
        actor=users["grid_a"],
        resident=resident,
        sampled_at=timezone.now() - 30 * HOUR,
        result="positive",
        institution="仁和区人民医院",
    )
    return test


def colour(resident):
    return PersonStatus.objects.get(pk=resident.pk).colour


def test_recovered_case_is_green_again_not_red_for_its_positive(users, positive, run):
    """The positive that led to a case no longer counts once the case is on record: when
    the case recovers, the person is green (they stayed 核酸阳性待复核 red forever)."""
    resident = positive.resident
    assert colour(resident) == "red"
    case = run(
        tracing.create_case,
        actor=users["community"],
        resident=resident,
        kind="confirmed",
        confirmed_at=timezone.now() - 2 * HOUR,
    )
    positive.refresh_from_db()
    assert (positive.review, positive.reviewed_by) == ("case", users["community"])
    run(
        tracing.discharge_case,
        actor=users["community"],
        case=case,
        status="discharged",
        discharged_at=timezone.now(),
    )
    assert colour(resident) == "green"


def test_voided_case_leaves_its_positive_to_review_again(users, positive, run):
    resident = positive.resident
    case = run(
        tracing.create_case,
        actor=users["community"],
        resident=resident,
        kind="confirmed",
        confirmed_at=timezone.now() - 2 * HOUR,
    )
    run(tracing.void_case, actor=users["community"], case=case, reason="误录为他人")
    positive.refresh_from_db()
    assert (positive.review, positive.reviewed_by) == ("", None)
    assert colour(resident) == "red"


def test_reviewer_excludes_a_positive_on_its_page(
    client, users, positive, django_capture_on_commit_callbacks
):
    resident = positive.resident
    client.force_login(users["grid_a"])
    r = client.get(reverse("health:nat_list"))
    assert reverse("health:nat_detail", args=[positive.pk]) in r.content.decode()
    page = client.get(reverse("health:nat_detail", args=[positive.pk]))
    assert page.context["pending_review"] is True
    assert page.context["review_form"] is None  # a grid worker records, does not review
    assert client.post(reverse("health:nat_review", args=[positive.pk]), {}).status_code == 403

    client.force_login(users["community"])
    page = client.get(reverse("health:nat_detail", args=[positive.pk]))
    assert page.context["review_form"] is not None
    r = client.post(
        reverse("health:nat_review", args=[positive.pk]), {"review": "excluded", "review_note": ""}
    )
    assert r.status_code == 200
    assert r.context["review_form"].errors == {"review_note": ["复核排除须填写说明"]}
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("health:nat_review", args=[positive.pk]),
            {"review": "excluded", "review_note": "复采双阴，原结果为污染"},
        )
    assert r.status_code == 302
    positive.refresh_from_db()
    assert (positive.review, positive.review_note) == ("excluded", "复采双阴，原结果为污染")
    assert colour(resident) == "green"
    page = client.get(reverse("health:nat_detail", args=[positive.pk]))
    assert page.context["review_form"] is None


def test_confirming_needs_the_case_on_record(client, users, positive):
    """已确诊 without a case would make the person green with nothing to show why."""
    client.force_login(users["community"])
    r = client.post(reverse("health:nat_review", args=[positive.pk]), {"review": "case"})
    assert r.status_code == 200
    assert r.context["review_form"].errors == {
        "review": ["该居民尚无病例记录，请先在“病例”中登记确诊病例，再复核为已确诊"]
    }
    assert NucleicAcidTest.objects.get(pk=positive.pk).review == ""
    assert colour(positive.resident) == "red"


def test_other_grid_cannot_open_the_test(client, users, positive):
    client.force_login(users["grid_b"])
    assert client.get(reverse("health:nat_detail", args=[positive.pk])).status_code == 404


def test_api_review_action(users, positive):
    from rest_framework.test import APIClient

    url = f"/api/v1/nucleic-acid-tests/{positive.pk}/review/"
    client = APIClient()
    client.force_login(users["grid_a"])
    assert client.post(url, {"review": "excluded", "review_note": "复采阴性"}).status_code == 403
    client.force_login(users["community"])
    r = client.post(url, {"review": "excluded"}, format="json")
    assert (r.status_code, r.json()["review_note"]) == (400, ["复核排除须填写说明"])
    r = client.post(url, {"review": "excluded", "review_note": "复采阴性"}, format="json")
    assert (r.status_code, r.json()["review"]) == (200, "excluded")
    assert NucleicAcidTest.objects.get(pk=positive.pk).review == "excluded"


def test_list_filters_positives_waiting_for_review(client, users, positive, run):
    run(
        record_nat_result,
        actor=users["grid_a"],
        resident=positive.resident,
        sampled_at=timezone.now() - 5 * HOUR,
        result="negative",
        institution="仁和区人民医院",
    )
    client.force_login(users["community"])
    r = client.get(reverse("health:nat_list"), {"pending_review": "true"})
    assert [t.pk for t, _cells in r.context["table"]] == [positive.pk]
    r = client.get(reverse("health:nat_list"), {"pending_review": "false"})
    assert [t.result for t, _cells in r.context["table"]] == ["negative"]


def test_list_and_page_show_local_times_and_review_only_for_positives(client, users, positive, run):
    """A negative result's 阳性复核 column said 待复核 (nothing to review); the page's heading
    gave the sampling time in UTC, eight hours off the time shown below it."""
    negative, _created = run(
        record_nat_result,
        actor=users["grid_a"],
        resident=positive.resident,
        sampled_at=timezone.now() - 5 * HOUR,
        result="negative",
        institution="仁和区人民医院",
    )
    client.force_login(users["community"])
    r = client.get(reverse("health:nat_list"))
    review = {t.result: cells[-1] for t, cells in r.context["table"]}
    assert {k: str(v.value) for k, v in review.items()} == {"negative": "", "positive": "待复核"}
    local = timezone.localtime(negative.sampled_at).strftime("%Y-%m-%d %H:%M")
    assert str(negative) == f"{local} 阴性"
    page = client.get(reverse("health:nat_detail", args=[negative.pk])).content.decode()
    assert f"{local} 阴性" in page
