"""Health pages: assignments, check-ins (staff and self-report link), alerts, overdue list,
nucleic-acid tests, certificates (PDF, revoke) and the public certificate check."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.personal import mask
from fangkong.health.models import Alert, Assignment, CheckIn, HealthCertificate, NucleicAcidTest
from fangkong.health.services import (
    create_assignment,
    issue_certificate,
    record_checkin,
)
from fangkong.status.testing import make_resident, today

DAY = datetime.timedelta(days=1)
PLACE = "仁和区海棠花语小区3栋502"


@pytest.fixture
def people(areas):
    return {
        "a1": make_resident(areas["grid_a"], name="欧阳明月"),
        "b1": make_resident(areas["grid_b"], name="王五"),
    }


@pytest.fixture
def assignments(users, people):
    return {
        key: create_assignment(
            actor=users["community"],
            resident=people[key],
            kind="home_quarantine",
            start_date=today() - DAY,
            end_date=today() + 12 * DAY,
            place=PLACE,
            responsible=users["grid_a"] if key == "a1" else users["grid_b"],
            doctor="刘医生",
        )
        for key in ("a1", "b1")
    }


def rows_of(response) -> list:
    return [obj for obj, _cells in response.context["table"]]


def read_xlsx(response) -> list[list]:
    data = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


# --- assignments -------------------------------------------------------------------------


def test_assignment_list_is_scoped_and_masks_place(client, users, people, assignments):
    client.force_login(users["grid_a"])
    r = client.get(reverse("health:assignment_list"))
    assert [a.resident.name for a in rows_of(r)] == ["欧阳明月"]
    body = r.content.decode()
    assert PLACE not in body and mask("address", PLACE) in body
    assert people["a1"].id_number not in body


def test_assignment_export_is_masked(client, users, people, assignments):
    client.force_login(users["community"])
    rows = read_xlsx(client.get(reverse("health:assignment_list"), {"export": "xlsx"}))
    assert rows[0][:4] == ["姓名", "身份证号", "网格", "类型"]
    assert sorted(r[0] for r in rows[1:]) == ["欧阳明月", "王五"]
    flat = [str(v) for row in rows for v in row if v is not None]
    assert PLACE not in flat and mask("address", PLACE) in flat
    assert people["a1"].id_number not in flat


def test_assignment_list_query_count(client, users, areas, assignments, django_assert_num_queries):
    for i in range(15):
        r = make_resident(areas["grid_b"], name=f"测试{i}")
        Assignment.objects.create(
            resident=r, kind="health_monitoring", start_date=today(), end_date=today() + DAY
        )
    client.force_login(users["command"])
    client.get(reverse("health:assignment_list"))
    # session, user, role perms (2), user's area, count, rows, area choices; on SQLite the
    # page's keys come first (core.views.generic.KeysFirst), then its rows
    with django_assert_num_queries(8 + (connection.vendor == "sqlite")):
        r = client.get(reverse("health:assignment_list"))
    assert r.context["page"].paginator.count == 17


def test_detail_of_another_grid_is_404(client, users, assignments):
    client.force_login(users["grid_a"])
    ok = reverse("health:assignment_detail", args=[assignments["a1"].pk])
    assert client.get(ok).status_code == 200
    other = reverse("health:assignment_detail", args=[assignments["b1"].pk])
    assert client.get(other).status_code == 404


def test_create_assignment_from_the_resident_page(client, users, people):
    client.force_login(users["grid_a"])
    url = reverse("health:assignment_add") + f"?resident={people['a1'].pk}"
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "resident": people["a1"].pk,
            "kind": "health_monitoring",
            "start_date": today().isoformat(),
            "end_date": (today() + 14 * DAY).isoformat(),
            "place": PLACE,
            "responsible": users["grid_a"].pk,
            "doctor": "",
        },
    )
    assignment = Assignment.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("health:assignment_detail", args=[assignment.pk])
    assert (assignment.resident, assignment.place) == (people["a1"], PLACE)
    # another grid's resident is not even found
    r = client.get(reverse("health:assignment_add") + f"?resident={people['b1'].pk}")
    assert r.status_code == 404


def test_create_assignment_by_id_number(client, users, people):
    client.force_login(users["community"])
    r = client.post(
        reverse("health:assignment_add"),
        {
            "id_number": people["b1"].id_number,
            "kind": "home_quarantine",
            "start_date": today().isoformat(),
            "end_date": (today() - DAY).isoformat(),
        },
    )
    assert r.status_code == 200
    assert r.context["form"].errors["end_date"] == ["结束日期不能早于开始日期"]
    assert Assignment.objects.count() == 0


def test_assignment_may_start_at_most_three_days_ahead(client, users, people):
    client.force_login(users["community"])
    data = {"id_number": people["b1"].id_number, "kind": "home_quarantine"}
    r = client.post(
        reverse("health:assignment_add"),
        data | {"start_date": "2099-01-01", "end_date": "2099-01-14"},
    )
    assert r.status_code == 200
    assert r.context["form"].errors == {"start_date": ["开始日期最多只能晚于今天 3 天"]}
    assert Assignment.objects.count() == 0
    r = client.post(
        reverse("health:assignment_add"),
        data
        | {
            "start_date": (today() + 3 * DAY).isoformat(),
            "end_date": (today() + 16 * DAY).isoformat(),
        },
    )
    assert r.status_code == 302
    planned = Assignment.objects.get()
    # planned, not yet begun: never shown as 进行中
    r = client.get(reverse("health:assignment_list"))
    (cells,) = [cells for obj, cells in r.context["table"] if obj.pk == planned.pk]
    assert "未开始" in [c.text for c in cells] and "进行中" not in [c.text for c in cells]
    detail = client.get(reverse("health:assignment_detail", args=[planned.pk]))
    assert ">未开始</span>" in detail.content.decode()
    # and the state filter says the same as the column
    listed = {
        state: {
            obj.pk
            for obj, _cells in client.get(
                reverse("health:assignment_list"), {"state": state}
            ).context["table"]
        }
        for state in ("upcoming", "active", "released")
    }
    assert listed == {"upcoming": {planned.pk}, "active": set(), "released": set()}


def test_staff_checkin_names_the_temperature_rule(client, users, assignments):
    client.force_login(users["grid_a"])
    url = reverse("health:checkin_add", args=[assignments["a1"].pk])
    data = {"date": (today() - DAY).isoformat(), "slot": "am"}
    r = client.post(url, data | {"temperature": "36.55"})
    assert r.status_code == 200
    assert r.context["form"].errors == {"temperature": ["体温最多保留一位小数"]}
    r = client.post(url, data | {"temperature": "445"})
    assert r.context["form"].errors == {"temperature": ["体温应在 34.0–43.0℃ 之间"]}
    assert not CheckIn.objects.exists()
    r = client.post(url, data | {"temperature": "３６．５"})
    assert r.status_code == 302
    assert CheckIn.objects.get().temperature == Decimal("36.5")


def test_staff_checkin_with_fever_raises_an_alert(client, users, assignments):
    a = assignments["a1"]
    client.force_login(users["grid_a"])
    r = client.post(
        reverse("health:checkin_add", args=[a.pk]),
        {"date": today().isoformat(), "slot": "am", "temperature": "38.2", "symptoms": ["cough"]},
    )
    assert r.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.temperature, checkin.symptoms, checkin.source) == (
        checkin.temperature.__class__("38.2"),
        ",cough,",
        "staff",
    )
    alert = Alert.objects.get()
    assert alert.kind == "fever"
    r = client.get(reverse("health:alert_list"))
    assert [x.pk for x in rows_of(r)] == [alert.pk]
    client.force_login(users["grid_b"])
    assert client.get(reverse("health:alert_list")).context["page"].paginator.count == 0
    assert client.post(reverse("health:alert_acknowledge", args=[alert.pk])).status_code == 404
    client.force_login(users["grid_a"])
    client.post(reverse("health:alert_acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.acknowledged_by == users["grid_a"]


def test_release_and_certificate_flow(client, users, people, assignments):
    a = assignments["a1"]
    client.force_login(users["community"])
    r = client.post(reverse("health:assignment_release", args=[a.pk]), {"note": ""})
    a.refresh_from_db()
    assert a.state == "active"  # early release needs a note
    client.post(reverse("health:assignment_release", args=[a.pk]), {"note": "解除"})
    a.refresh_from_db()
    assert (a.state, a.release_note) == ("released", "解除")
    # released early: no certificate, and no button offering one
    r = client.post(reverse("health:certificate_issue", args=[a.pk]))
    assert r.status_code == 302
    assert HealthCertificate.objects.count() == 0
    body = client.get(reverse("health:assignment_detail", args=[a.pk])).content.decode()
    assert reverse("health:certificate_issue", args=[a.pk]) not in body
    assert "未完成隔离/监测期（提前解除），不能开具健康证明" in body


def test_completed_assignment_offers_the_certificate_unless_the_holder_is_a_case(
    client, users, people, completed_monitoring, django_capture_on_commit_callbacks
):
    from fangkong.tracing.services import create_case

    a = completed_monitoring(people["a1"])
    client.force_login(users["community"])
    url = reverse("health:assignment_detail", args=[a.pk])
    issue = reverse("health:certificate_issue", args=[a.pk])
    assert issue in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        create_case(
            actor=users["command"],
            resident=people["a1"],
            kind="confirmed",
            confirmed_at=timezone.now() - DAY,
        )
    body = client.get(url).content.decode()
    assert issue not in body
    assert "该居民有治疗/隔离中的病例记录，不能开具健康证明" in body


@pytest.fixture
def certificate(users, people, completed_monitoring):
    a = completed_monitoring(people["a1"])
    return issue_certificate(actor=users["community"], assignment=a)


def test_certificate_pdf_is_audited_and_scoped(client, users, certificate):
    client.force_login(users["grid_a"])
    r = client.get(reverse("health:certificate_pdf", args=[certificate.pk]))
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="reveal", reason="打印健康证明").count() == 1
    client.force_login(users["grid_b"])
    assert client.get(reverse("health:certificate_pdf", args=[certificate.pk])).status_code == 404


def test_public_certificate_check_shows_masked_name_only(client, people, certificate):
    a1 = people["a1"]
    r = client.get(f"/verify/certificate/{certificate.code}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-status="valid"' in body and "欧**月" in body
    # what the certificate attests, as printed on it
    a = certificate.assignment
    assert a.get_kind_display() in body
    assert f"{a.start_date:%Y-%m-%d} – {a.end_date:%Y-%m-%d}" in body
    for secret in (a1.name, a1.id_number, a1.phone, a1.id_number[-4:]):
        assert secret not in body
    assert client.get("/verify/certificate/NOSUCHCODE/").status_code == 404


def test_public_check_says_lapsed_while_the_holder_is_red(
    client, users, people, certificate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create_assignment(
            actor=users["community"],
            resident=people["a1"],
            kind="home_quarantine",
            start_date=today(),
            end_date=today() + 13 * DAY,
        )
    body = client.get(f"/verify/certificate/{certificate.code}/").content.decode()
    assert 'data-status="lapsed"' in body and 'data-status="valid"' not in body
    assert "已失效：持证人当前健康状态异常" in body and "欧**月" in body
    assert "居家隔离" not in body  # the reason stays with staff
    client.force_login(users["community"])
    detail = client.get(reverse("health:certificate_detail", args=[certificate.pk]))
    until = (today() + 13 * DAY).isoformat()
    assert (
        f"核验页显示为已失效：该居民当前为红码（红码：居家隔离中，至 {until}）"
        in detail.content.decode()
    )


def test_revoke_then_public_check_says_revoked(client, users, certificate):
    client.force_login(users["grid_a"])  # no revoke permission
    r = client.post(reverse("health:certificate_revoke", args=[certificate.pk]), {"reason": "x"})
    assert r.status_code == 403
    client.force_login(users["community"])
    client.post(reverse("health:certificate_revoke", args=[certificate.pk]), {"reason": "信息有误"})
    certificate.refresh_from_db()
    assert (certificate.revoked, certificate.revoked_reason) == (True, "信息有误")
    client.logout()
    body = client.get(f"/verify/certificate/{certificate.code}/").content.decode()
    assert 'data-status="revoked"' in body and "已作废" in body


# --- self report -------------------------------------------------------------------------


def test_self_report_link_works_without_login_and_shows_no_personal_data(
    client, people, assignments
):
    a = assignments["a1"]
    url = reverse("health:self_report", args=[a.checkin_token])
    r = client.get(url)
    assert r.status_code == 200
    body = r.content.decode()
    for secret in (people["a1"].name, "欧**月", people["a1"].id_number, PLACE, "刘医生"):
        assert secret not in body
    r = client.post(url, {"date": today().isoformat(), "slot": "am", "temperature": "36.6"})
    assert r.status_code == 200
    assert r.context["done"] is True
    checkin = CheckIn.objects.get()
    assert (checkin.assignment, checkin.source, checkin.recorded_by) == (a, "self", None)
    assert client.get(reverse("health:self_report", args=["nope"])).status_code == 404


# --- overdue and nucleic-acid tests ------------------------------------------------------


def test_overdue_list_is_scoped(client, users, assignments):
    # recorded the morning they began (yesterday)
    Assignment.objects.filter(pk__in=[a.pk for a in assignments.values()]).update(
        created_at=timezone.make_aware(datetime.datetime.combine(today() - DAY, datetime.time(7)))
    )
    record_checkin(
        actor=users["grid_a"],
        assignment=assignments["a1"],
        date=today() - DAY,
        slot="am",
        temperature="36.5",
    )
    client.force_login(users["grid_a"])
    r = client.get(reverse("health:overdue_list"))
    slots = [(o.assignment.pk, o.date, o.slot) for o, _cells in r.context["table"]]
    assert (assignments["a1"].pk, today() - DAY, "am") not in slots
    assert (assignments["a1"].pk, today() - DAY, "pm") in slots
    assert {s[0] for s in slots} == {assignments["a1"].pk}
    rows = read_xlsx(client.get(reverse("health:overdue_list"), {"export": "xlsx"}))
    assert rows[0] == ["姓名", "网格", "类型", "日期", "时段", "截止时间", "责任网格员"]
    assert len(rows) == len(slots) + 1


def test_overdue_list_shows_one_page_and_exports_every_row(client, users, assignments, monkeypatch):
    """Two weeks of a city's quarantine are tens of thousands of missed slots: the page shows
    one page of them with the total and 下一页, the export every row."""
    from fangkong.health import views

    monkeypatch.setattr(views, "OVERDUE_PER_PAGE", 3)
    Assignment.objects.filter(pk__in=[a.pk for a in assignments.values()]).update(
        created_at=timezone.make_aware(datetime.datetime.combine(today() - DAY, datetime.time(7)))
    )
    client.force_login(users["street"])
    r = client.get(reverse("health:overdue_list"))
    total = r.context["page"].paginator.count
    assert total > 3
    assert len(rows_of(r)) == 3
    assert "下一页" in r.content.decode()
    second = client.get(reverse("health:overdue_list"), {"page": 2})
    assert len(rows_of(second)) == min(total - 3, 3)

    def slots(response):
        return {(o.assignment.pk, o.date, o.slot) for o in rows_of(response)}

    assert not slots(second) & slots(r)
    rows = read_xlsx(client.get(reverse("health:overdue_list"), {"export": "xlsx"}))
    assert len(rows) == total + 1


def test_nat_entry_by_id_number_and_scoped_list(client, users, people):
    client.force_login(users["grid_a"])
    sampled = (timezone.localtime() - datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        reverse("health:nat_add"),
        {
            "id_number": people["a1"].id_number,
            "sampled_at": sampled,
            "result": "negative",
            "institution": "市人民医院",
        },
    )
    assert r.status_code == 302
    test = NucleicAcidTest.objects.get()
    assert (test.resident, test.result) == (people["a1"], "negative")
    r = client.get(reverse("health:nat_list"))
    body = r.content.decode()
    assert [t.pk for t in rows_of(r)] == [test.pk]
    assert people["a1"].id_number not in body
    client.force_login(users["grid_b"])
    assert client.get(reverse("health:nat_list")).context["page"].paginator.count == 0
