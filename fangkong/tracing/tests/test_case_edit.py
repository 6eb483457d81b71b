"""修改病例: the investigation goes on after registration — onset date, notes, and an
asymptomatic infection reclassified as confirmed (无症状转确诊) — audited, status following."""

import datetime

from django.urls import reverse

from fangkong.core.models import AuditEntry
from fangkong.dashboard.figures import figure_values
from fangkong.status.models import PersonStatus
from fangkong.status.services import recompute_status
from fangkong.tracing.models import Case
from fangkong.tracing.services import create_case, void_case

from .conftest import CONFIRMED, D


def _asymptomatic(p, users):
    return create_case(
        actor=users["command"],
        resident=p["B"],
        kind="asymptomatic",
        confirmed_at=CONFIRMED,
        code="W-7",
        notes="首次流调",
    )


def test_reclassifying_an_asymptomatic_case_as_confirmed_from_its_page(
    client, city, users, django_capture_on_commit_callbacks
):
    p, _v, _w, _case = city
    case = _asymptomatic(p, users)
    command = users["command"]
    recompute_status([p["B"].pk], cause="test")
    city_area = p["B"].area.ancestors()[0]
    figures = ["cases_confirmed_active", "cases_asymptomatic_active"]
    before = figure_values(command, city_area, D, figures)

    client.force_login(command)
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    edit = reverse("tracing:case_edit", args=[case.pk])
    assert edit in page
    form = client.get(edit).content.decode()
    assert "首次流调" in form
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            edit,
            {
                "kind": "confirmed",
                "code": "W-7",
                "onset_date": (D - datetime.timedelta(days=2)).isoformat(),
                "source": "集中隔离点筛查",
                "notes": "首次流调\n补充：到访海棠农贸市场",
                "version": case.version,
            },
        )
    assert r.status_code == 302
    case.refresh_from_db()
    assert (case.kind, case.onset_date, case.source) == (
        "confirmed",
        D - datetime.timedelta(days=2),
        "集中隔离点筛查",
    )
    assert case.notes == "首次流调\n补充：到访海棠农贸市场"
    entry = AuditEntry.objects.filter(object_type="tracing.case", object_id=str(case.pk)).latest(
        "id"
    )
    assert entry.action == "update"
    assert entry.reason == "无症状感染者转确诊"
    after = figure_values(command, city_area, D, figures)
    assert after == {
        "cases_confirmed_active": before["cases_confirmed_active"] + 1,
        "cases_asymptomatic_active": before["cases_asymptomatic_active"] - 1,
    }
    reasons = PersonStatus.objects.get(pk=p["B"].pk).reasons
    assert [r["params"]["kind"] for r in reasons if r["code"] == "case"] == ["confirmed"]


def test_editing_a_case_someone_else_saved_meanwhile_is_refused(client, city, users):
    _p, _v, _w, case = city
    client.force_login(users["command"])
    stale = case.version
    Case.objects.filter(pk=case.pk).update(version=stale + 1)
    r = client.post(
        reverse("tracing:case_edit", args=[case.pk]),
        {"kind": "confirmed", "code": "C-12", "notes": "覆盖", "version": stale},
    )
    assert r.status_code == 409
    case.refresh_from_db()
    assert case.notes != "覆盖"


def test_an_onset_after_confirmation_and_a_voided_case_are_refused(client, city, users):
    _p, _v, _w, case = city
    client.force_login(users["command"])
    edit = reverse("tracing:case_edit", args=[case.pk])
    r = client.post(
        edit,
        {
            "kind": "confirmed",
            "code": "C-12",
            "onset_date": (D + datetime.timedelta(days=1)).isoformat(),
            "version": case.version,
        },
    )
    assert "发病日期不能晚于确诊日期" in r.content.decode()
    void_case(actor=users["command"], case=case, reason="录错")
    assert client.get(edit).status_code == 403
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert edit not in page


def test_a_grid_worker_may_not_edit_a_case(client, city, users):
    _p, _v, _w, case = city
    client.force_login(users["grid_a"])
    r = client.post(
        reverse("tracing:case_edit", args=[case.pk]),
        {"kind": "asymptomatic", "code": "C-12", "version": case.version},
    )
    assert r.status_code in (403, 404)
    case.refresh_from_db()
    assert case.kind == "confirmed"
