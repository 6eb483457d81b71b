"""Enterprise pages: scoping per role, masking, exports, the phone flows of an enterprise."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_id_number
from fangkong.demo.enterprises import make_credit_code
from fangkong.enterprises import services
from fangkong.enterprises.models import (
    DailyReport,
    Employee,
    Enterprise,
    Inspection,
    ReportReminder,
    ResumptionApplication,
)
from fangkong.enterprises.testing import (
    application_data,
    make_account,
    make_enterprise,
    make_liaison,
)
from fangkong.health import services as health
from fangkong.status.testing import make_resident

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def names_in(response) -> list[str]:
    return [obj.name for obj, _cells in response.context["table"]]


def read_xlsx(response) -> list[list]:
    data = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


@pytest.fixture
def resumed(users, ent_a):
    app = services.submit_application(
        actor=users["community"], enterprise=ent_a, data=application_data()
    )
    services.approve_application(actor=users["community"], application=app, expected_version=1)
    ent_a.refresh_from_db()
    return ent_a


# --- enterprise list and detail ---------------------------------------------------------


def test_list_scoped_per_role_with_resumption_counts(
    client, users, resumed, ent_b, ent_c, liaison, django_assert_max_num_queries
):
    url = reverse("enterprises:enterprise_list")
    login(client, users["community"])
    with django_assert_max_num_queries(10):
        r = client.get(url)
    assert names_in(r) == ["攀钢配件厂", "金华车辆有限公司"]
    counts = {v: n for v, _label, n in r.context["resumption_counts"]}
    assert counts == {"not_applied": 1, "pending": 0, "returned": 0, "resumed": 1}
    assert "已复工 1 家" in r.content.decode()
    assert names_in(login(client, users["command"]).get(url)) == [
        "攀钢配件厂",
        "米易果蔬合作社",
        "金华车辆有限公司",
    ]
    assert names_in(login(client, users["grid_c"]).get(url)) == ["米易果蔬合作社"]
    assert names_in(login(client, liaison).get(url)) == ["金华车辆有限公司"]


def test_contact_phone_masked_in_list_and_detail(client, users, ent_a):
    r = login(client, users["community"]).get(reverse("enterprises:enterprise_list"))
    body = r.content.decode()
    assert "138****1111" in body
    assert "13800001111" not in body
    r = client.get(reverse("enterprises:enterprise_detail", args=[ent_a.pk]))
    assert "138****1111" in r.content.decode()
    assert "13800001111" not in r.content.decode()


def test_detail_outside_scope_is_404(client, users, ent_a, ent_b, liaison):
    url = reverse("enterprises:enterprise_detail", args=[ent_a.pk])
    assert login(client, users["grid_c"]).get(url).status_code == 404
    url_b = reverse("enterprises:enterprise_detail", args=[ent_b.pk])
    assert login(client, liaison).get(url_b).status_code == 404
    account = make_account(users["community"], ent_b)
    assert login(client, account).get(url).status_code == 404
    assert client.get(url_b).status_code == 200


def test_detail_shows_resumption_state_and_stationed_actions(client, users, resumed, liaison):
    r = login(client, liaison).get(reverse("enterprises:enterprise_detail", args=[resumed.pk]))
    body = r.content.decode()
    assert 'data-resumption-state="resumed"' in body
    assert reverse("enterprises:inspection_add", args=[resumed.pk]) in body
    assert reverse("enterprises:report_add", args=[resumed.pk]) in body
    # An office user is not stationed there: no inspection button.
    r = login(client, users["community"]).get(
        reverse("enterprises:enterprise_detail", args=[resumed.pk])
    )
    assert reverse("enterprises:inspection_add", args=[resumed.pk]) not in r.content.decode()


def test_create_enterprise_bad_code_shows_message_and_writes_nothing(client, users, areas):
    code = make_credit_code()
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    data = {
        "name": "新企业",
        "credit_code": bad,
        "sector": "manufacturing",
        "area": areas["grid_a"].pk,
        "headcount": 10,
    }
    r = login(client, users["community"]).post(reverse("enterprises:enterprise_add"), data)
    assert r.status_code == 200
    assert "统一社会信用代码校验位不正确，请核对是否录错" in r.content.decode()
    assert Enterprise.objects.count() == 0
    r = client.post(reverse("enterprises:enterprise_add"), data | {"credit_code": code})
    ent = Enterprise.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("enterprises:enterprise_detail", args=[ent.pk])


def test_export_enterprises_masked_and_audited(client, users, ent_a, ent_c):
    r = login(client, users["community"]).get(
        reverse("enterprises:enterprise_list"), {"export": "xlsx"}
    )
    rows = read_xlsx(r)
    assert rows[0][:3] == ["企业名称", "统一社会信用代码", "行业"]
    assert [(row[0], row[2], row[9]) for row in rows[1:]] == [
        ("金华车辆有限公司", "制造业", "138****1111")
    ]
    assert AuditEntry.objects.get(action="export").changes["rows"] == 1


def test_export_names_grids_with_their_community_and_imports_back(
    client, users, ent_a, ent_c, tmp_path
):
    """Two enterprises in 第一网格 of two communities: the city's export told them apart by
    nothing, and importing the file back refused both rows as ambiguous."""
    from fangkong.core.importing import run_import

    r = login(client, users["command"]).post(
        reverse("enterprises:enterprise_list"), {"export": "xlsx", "purpose": "核对企业名单"}
    )
    rows = read_xlsx(r)
    area = rows[0].index("所属区域")
    assert {row[0]: row[area] for row in rows[1:]} == {
        "金华车辆有限公司": "海棠花语社区第一网格",
        "米易果蔬合作社": "迷阳水岸社区第一网格",
    }
    page = login(client, users["command"]).get(reverse("enterprises:enterprise_list"))
    assert "海棠花语社区第一网格" not in page.content.decode()  # the page keeps it short
    path = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    result = run_import(
        "enterprises.enterprise", path, actor=users["command"], area=users["command"].area
    )
    assert [e.message for e in result.errors] == []
    assert (result.created, result.rejected) == (0, 0)


def test_liaison_cannot_export_or_add_enterprises(client, liaison, areas):
    login(client, liaison)
    r = client.get(reverse("enterprises:enterprise_list"), {"export": "xlsx"})
    assert r.status_code == 403
    assert client.get(reverse("enterprises:enterprise_add")).status_code == 403


# --- resumption workflow through the pages -------------------------------------------------


def test_apply_and_review_through_pages(client, users, ent_a, liaison):
    url = reverse("enterprises:application_add", args=[ent_a.pk])
    form = application_data() | {"has_isolation_room": "on"}
    r = login(client, liaison).post(url, form)
    assert r.status_code == 302
    app = ResumptionApplication.objects.get()
    detail = reverse("enterprises:application_detail", args=[app.pk])
    # The liaison sees the application but no review form, and cannot post one.
    r = client.get(detail)
    assert r.status_code == 200
    assert r.context["review_form"] is None
    review = reverse("enterprises:application_review", args=[app.pk])
    assert client.post(review, {"decision": "approve", "version": 1}).status_code == 403
    login(client, users["community"])
    r = client.post(review, {"decision": "return", "note": "", "version": 1}, follow=True)
    assert "退回时请写明原因" in r.content.decode()
    r = client.post(review, {"decision": "approve", "conditions": "每日报送日报", "version": 1})
    assert r.status_code == 302
    ent_a.refresh_from_db()
    assert ent_a.resumption_state == "resumed"


def test_refused_review_keeps_what_the_reviewer_typed(client, users, ent_a, liaison):
    """A reviewer on a phone types the conditions and picks 退回修改 without a reason: the
    page comes back with the conditions still typed and the reason on the page, instead of
    a redirect to an emptied form."""
    url = reverse("enterprises:application_add", args=[ent_a.pk])
    login(client, liaison).post(url, application_data() | {"has_isolation_room": "on"})
    app = ResumptionApplication.objects.get()
    review = reverse("enterprises:application_review", args=[app.pk])
    conditions = "每日报送企业日报；设立隔离观察室；员工返岗前须持48小时核酸阴性证明"
    login(client, users["community"])
    r = client.post(review, {"decision": "return", "conditions": conditions, "version": 1})
    assert r.status_code == 200
    form = r.context["review_form"]
    assert (form["decision"].value(), form["conditions"].value()) == ("return", conditions)
    assert form.errors["note"] == ["退回时请写明原因"]  # under the reason, not atop the form
    assert conditions in r.content.decode()
    # No decision picked at all: the same, with the reason under the choice.
    r = client.post(review, {"conditions": conditions, "version": 1})
    assert r.status_code == 200
    assert r.context["review_form"].errors["decision"] == ["该字段是必填项。"]
    app.refresh_from_db()
    assert (app.state, app.version) == ("submitted", 1)


def test_reapply_after_return_starts_from_returned_application(client, users, ent_a, liaison):
    """退回修改: the liaison's new application form shows why it was sent back and holds the
    returned application's answers to correct, instead of an empty form to retype."""
    url = reverse("enterprises:application_add", args=[ent_a.pk])
    r = login(client, liaison).get(url)
    assert r.context["returned"] is None
    assert r.context["form"].initial == {}
    plan = "进厂测温登记、佩戴口罩\n错峰就餐、每日两次消毒通风"
    first = services.submit_application(
        actor=liaison, enterprise=ent_a, data=application_data(prevention_plan=plan, masks=800)
    )
    services.return_application(
        actor=users["community"],
        application=first,
        note="未明确隔离观察室位置；口罩储备不足7天用量",
        expected_version=1,
    )
    r = client.get(url)
    body = r.content.decode()
    assert "退回原因：未明确隔离观察室位置；口罩储备不足7天用量" in body
    form = r.context["form"]
    assert (form["prevention_plan"].value(), form["masks"].value()) == (plan, 800)
    assert form["employees_expected"].value() == 40
    assert plan in body
    fixed = {
        name: form[name].value() for name in services.APPLICATION_FIELDS if name in form.fields
    }
    fixed |= {"masks": 3000, "has_isolation_room": "on"}
    fixed["prevention_plan"] += "\n隔离观察室设在门卫室东侧"
    assert client.post(url, fixed).status_code == 302
    second = ResumptionApplication.objects.exclude(pk=first.pk).get()
    assert (second.state, second.masks, second.employees_expected) == ("submitted", 3000, 40)
    assert second.prevention_plan.endswith("隔离观察室设在门卫室东侧")


# --- employees: the 返岗隔离中 list ----------------------------------------------------------


def test_isolating_list_and_export(client, users, areas, ent_a, ent_c, liaison):
    today = timezone.localdate()
    person = make_resident(areas["grid_b"], name="隔离者")
    health.create_assignment(
        actor=users["community"],
        resident=person,
        kind="home_quarantine",
        start_date=today,
        end_date=today + datetime.timedelta(days=14),
    )
    services.create_employee(
        actor=liaison,
        enterprise=ent_a,
        data={"name": "隔离者", "id_number": person.id_number, "phone": "13900002222"},
    )
    services.create_employee(
        actor=liaison,
        enterprise=ent_a,
        data={"name": "未返回", "id_number": make_id_number(birth=datetime.date(1991, 1, 1))},
    )
    services.create_employee(
        actor=users["command"],
        enterprise=ent_c,
        data={"name": "外区职工", "id_number": make_id_number(birth=datetime.date(1992, 1, 1))},
    )
    url = reverse("enterprises:employee_list")
    r = login(client, users["community"]).get(url, {"return_state": "isolating"})
    assert names_in(r) == ["隔离者"]
    counts = {v: n for v, _label, n in r.context["return_states"]}
    assert counts == {"not_returned": 1, "isolating": 1, "pending": 0, "at_work": 0}
    r = client.get(url, {"return_state": "isolating", "export": "xlsx"})
    rows = read_xlsx(r)
    assert rows[0] == [
        "姓名",
        "企业",
        "部门/岗位",
        "身份证号",
        "联系电话",
        "从何地返回",
        "返岗状态",
        "健康码",
    ]
    assert rows[1][0] == "隔离者"
    assert rows[1][4] == "139****2222"
    assert rows[1][6] == "返岗隔离中"
    assert person.id_number not in str(rows)
    assert names_in(login(client, liaison).get(url)) == ["未返回", "隔离者"]


def test_employee_list_query_count(client, users, ent_a, liaison, django_assert_max_num_queries):
    for n in range(5):
        services.create_employee(
            actor=liaison,
            enterprise=ent_a,
            data={
                "name": f"职工{n}",
                "id_number": make_id_number(birth=datetime.date(1990, 1, n + 1)),
            },
        )
    login(client, users["community"])
    with django_assert_max_num_queries(9):
        r = client.get(reverse("enterprises:employee_list"))
    assert len(names_in(r)) == 5


def test_office_ends_a_stationing_from_the_enterprise_page(client, users, areas, ent_a):
    """结束派驻: the office records the liaison's last day; after it the liaison no longer
    reaches the enterprise, its page or its roster."""
    today = timezone.localdate()
    liaison = make_liaison(
        users["community"], ent_a, area=areas["community"], start=today - datetime.timedelta(9)
    )
    services.create_employee(
        actor=liaison,
        enterprise=ent_a,
        data={"name": "王强", "id_number": make_id_number(birth=datetime.date(1990, 2, 2))},
    )
    detail = reverse("enterprises:enterprise_detail", args=[ent_a.pk])
    assignment = liaison.liaison_assignments.get()
    end = reverse("enterprises:assignment_end", args=[assignment.pk])
    # The liaison cannot end it; the office of another district does not find it.
    assert login(client, liaison).post(end, {"end_date": "2020-01-01"}).status_code == 403
    assert login(client, users["grid_c"]).post(end, {"end_date": "2020-01-01"}).status_code in (
        403,
        404,
    )
    assert f'action="{end}"' in login(client, users["community"]).get(detail).content.decode()
    r = client.post(end, {"end_date": "", "version": 1}, follow=True)
    assert "请填写正确的派驻结束日期" in r.content.decode()
    before_start = (assignment.start_date - datetime.timedelta(days=1)).isoformat()
    r = client.post(end, {"end_date": before_start, "version": 1}, follow=True)
    assert "派驻结束日期不能早于开始日期" in r.content.decode()
    assignment.refresh_from_db()
    assert (assignment.end_date, assignment.version) == (None, 1)
    yesterday = today - datetime.timedelta(days=1)
    r = client.post(end, {"end_date": yesterday.isoformat(), "version": 1})
    assert r["Location"] == detail
    assignment.refresh_from_db()
    assert (assignment.end_date, assignment.version) == (yesterday, 2)
    assert AuditEntry.objects.filter(
        object_type="enterprises.liaisonassignment", object_id=str(assignment.pk), action="update"
    ).exists()
    login(client, liaison)
    assert client.get(detail).status_code == 404
    r = client.get(reverse("enterprises:employee_list"))
    assert list(r.context["table"]) == []
    assert Employee.objects.filter(enterprise=ent_a).count() == 1


# --- daily reports and reminders ---------------------------------------------------------


def test_daily_report_from_phone_and_duplicate_message(client, resumed, liaison):
    url = reverse("enterprises:report_add", args=[resumed.pk])
    data = {
        "date": timezone.localdate().isoformat(),
        "people_on_site": 35,
        "temperature_checks": 70,
        "abnormal_temperatures": 0,
        "disinfection_done": "on",
    }
    assert login(client, liaison).post(url, data).status_code == 302
    r = client.post(url, data)
    assert r.status_code == 200
    assert "该企业当日日报已填报" in r.content.decode()
    assert DailyReport.objects.count() == 1


def test_liaison_corrects_report_from_the_list(client, users, resumed, ent_b, liaison):
    """The day of a report in the list opens its correction form for the enterprise."""
    today = timezone.localdate()
    data = {"date": today, "people_on_site": 5, "temperature_checks": 70}
    mine = services.submit_daily_report(actor=liaison, enterprise=resumed, data=data)
    other = services.submit_daily_report(actor=users["community"], enterprise=ent_b, data=data)
    edit = reverse("enterprises:report_edit", args=[mine.pk])
    r = login(client, liaison).get(reverse("enterprises:report_list"))
    assert f'href="{edit}"' in r.content.decode()
    r = client.post(
        edit, {"people_on_site": 50, "temperature_checks": 3, "abnormal_temperatures": 9}
    )
    assert r.status_code == 200
    assert "体温异常人数不能多于测温人次" in r.content.decode()
    post = {"people_on_site": 50, "temperature_checks": 70, "abnormal_temperatures": 0}
    r = client.post(edit, post | {"version": 1})
    assert r.status_code == 302
    mine.refresh_from_db()
    assert (mine.people_on_site, mine.date, mine.version) == (50, today, 2)
    other_edit = reverse("enterprises:report_edit", args=[other.pk])
    assert client.post(other_edit, post | {"version": 1}).status_code == 404
    assert DailyReport.objects.get(pk=other.pk).people_on_site == 5
    # Read-only roles see the list without the link.
    r = login(client, users["leader"]).get(reverse("enterprises:report_list"))
    assert f'href="{edit}"' not in r.content.decode()


def test_missing_reports_page_and_reminder(client, users, resumed, ent_b):
    url = reverse("enterprises:missing_reports")
    r = login(client, users["community"]).get(url)
    assert names_in(r) == ["金华车辆有限公司"]
    r = client.post(url + f"?date={timezone.localdate().isoformat()}")
    assert r.status_code == 302
    assert list(ReportReminder.objects.values_list("enterprise__name", flat=True)) == [
        "金华车辆有限公司"
    ]


def test_missing_reports_page_shows_one_page_counted_once(client, users, areas, monkeypatch):
    """A county's resumed enterprises are thousands: 未报日报 shows one page of them under the
    total, the next through 下一页 (the date kept), and counts them once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.enterprises import views

    monkeypatch.setattr(views.ObjectListView, "paginate_by", 2)
    for _ in range(5):
        ent = make_enterprise(users["community"], areas["grid_a"])
        app = services.submit_application(
            actor=users["community"], enterprise=ent, data=application_data()
        )
        services.approve_application(actor=users["community"], application=app, expected_version=1)
    url = reverse("enterprises:missing_reports")
    day = timezone.localdate().isoformat()
    with CaptureQueriesContext(connection) as queries:
        r = login(client, users["community"]).get(url, {"date": day})
    assert r.context["count"] == 5
    assert len(names_in(r)) == 2
    assert f"date={day}&amp;page=2" in r.content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1, counts
    last = client.get(url, {"date": day, "page": 3})
    assert len(names_in(last)) == 1
    rows = openpyxl.load_workbook(
        io.BytesIO(b"".join(client.get(url, {"date": day, "export": "xlsx"}).streaming_content)),
        read_only=True,
    ).active.max_row
    assert rows == 6  # the header and every enterprise


def test_liaison_follows_missing_reports_page_to_own_reminders(
    client, users, resumed, ent_b, liaison
):
    """The 催报记录 button of 未报日报 opens for a liaison: the reminders of their enterprise."""
    services.approve_application(
        actor=users["community"],
        application=services.submit_application(
            actor=users["community"], enterprise=ent_b, data=application_data()
        ),
        expected_version=1,
    )
    services.remind_missing_reports(
        actor=users["community"], day=timezone.localdate(), enterprises=Enterprise.objects.all()
    )
    r = login(client, liaison).get(reverse("enterprises:missing_reports"))
    reminders_url = reverse("enterprises:reminder_list")
    assert f'href="{reminders_url}"' in r.content.decode()
    r = client.get(reminders_url)
    assert r.status_code == 200
    assert [row.enterprise.name for row, _cells in r.context["table"]] == ["金华车辆有限公司"]


# --- inspections from the phone -----------------------------------------------------------


def test_liaison_files_inspection_through_page(client, ent_a, liaison):
    url = reverse("enterprises:inspection_add", args=[ent_a.pk])
    r = login(client, liaison).post(
        url,
        {
            "inspected_on": timezone.localdate().isoformat(),
            "masks_worn": "on",
            "temperature_checked": "on",
            "notes": "总体良好",
            "problems": "食堂未错峰\n\n消毒记录不全",
        },
    )
    inspection = Inspection.objects.get()
    assert r["Location"] == reverse("enterprises:inspection_detail", args=[inspection.pk])
    assert inspection.passed_count == 2
    assert list(inspection.problems.order_by("id").values_list("description", flat=True)) == [
        "食堂未错峰",
        "消毒记录不全",
    ]
    r = client.get(r["Location"])
    assert "食堂未错峰" in r.content.decode()


def test_account_cannot_file_inspection(client, users, ent_a):
    account = make_account(users["community"], ent_a)
    r = login(client, account).post(
        reverse("enterprises:inspection_add", args=[ent_a.pk]),
        {"inspected_on": timezone.localdate().isoformat()},
    )
    assert r.status_code == 200
    assert "只有派驻该企业的联络员可以填报检查" in r.content.decode()
    assert Inspection.objects.count() == 0


def test_park_named_on_enterprise_page_linked_only_for_who_may_open_it(
    client, users, areas, ent_a, liaison
):
    """A liaison's enterprise in a park: the park by name, not a link to a 没有权限 page."""
    park = services.create_park(
        actor=users["community"], data={"area": areas["community"], "name": "钒钛产业园"}
    )
    services.update_enterprise(
        actor=users["community"], enterprise=ent_a, data={"park": park}, expected_version=1
    )
    detail = reverse("enterprises:enterprise_detail", args=[ent_a.pk])
    park_url = reverse("enterprises:park_detail", args=[park.pk])
    body = login(client, liaison).get(detail).content.decode()
    assert "钒钛产业园" in body and f'href="{park_url}"' not in body
    assert client.get(park_url).status_code == 403
    body = login(client, users["community"]).get(detail).content.decode()
    assert f'href="{park_url}"' in body


def test_home_panel_for_liaison_and_office(client, users, resumed, liaison):
    r = login(client, liaison).get(reverse("home"))
    body = r.content.decode()
    assert 'data-resumption="resumed">1<' in body
    assert "我的企业" in body and "金华车辆有限公司" in body
    r = login(client, users["community"]).get(reverse("home"))
    assert "我的企业" not in r.content.decode()
    assert 'data-stat="missing-reports">1<' in r.content.decode()


def test_home_panel_counts_what_waits_on_someone(client, users, ent_a, ent_c, liaison):
    """待处理困难诉求 and 逾期未整改问题 on the home page, each linking to its list, per scope."""
    today = timezone.localdate()
    services.file_inspection(
        actor=liaison,
        enterprise=ent_a,
        data={"inspected_on": today - datetime.timedelta(days=5), "deadline": today},
        problems=["隔离观察室堆放杂物"],
    )
    services.file_inspection(
        actor=liaison,
        enterprise=ent_a,
        data={
            "inspected_on": today - datetime.timedelta(days=5),
            "deadline": today - datetime.timedelta(days=1),
        },
        problems=["食堂未错峰就餐"],
    )
    answered = services.raise_difficulty(
        actor=liaison, enterprise=ent_a, category="staff", description="缺少返岗包车"
    )
    services.respond_difficulty(
        actor=users["community"],
        difficulty=answered,
        response="协调公交公司",
        resolved=False,
        expected_version=1,
    )
    services.raise_difficulty(
        actor=liaison, enterprise=ent_a, category="materials", description="口罩缺 5000 只"
    )
    services.raise_difficulty(
        actor=users["command"], enterprise=ent_c, category="funding", description="资金紧张"
    )
    for user, difficulties in ((liaison, 1), (users["community"], 1), (users["command"], 2)):
        body = login(client, user).get(reverse("home")).content.decode()
        assert f'data-stat="open-difficulties">{difficulties}<' in body
        assert 'data-stat="overdue-problems">1<' in body
        assert f'href="{reverse("enterprises:problem_list")}?overdue=true"' in body
        assert f'href="{reverse("enterprises:difficulty_list")}?state=open"' in body


def test_employee_count_matches_roster(client, users, ent_a, liaison):
    services.create_employee(
        actor=liaison,
        enterprise=ent_a,
        data={"name": "王强", "id_number": make_id_number(birth=datetime.date(1990, 2, 2))},
    )
    r = login(client, liaison).get(reverse("enterprises:enterprise_detail", args=[ent_a.pk]))
    assert r.context["employee_total"] == Employee.objects.filter(enterprise=ent_a).count() == 1


def test_grid_worker_sees_enterprise_but_not_its_records(client, users, resumed):
    r = login(client, users["grid_a"]).get(
        reverse("enterprises:enterprise_detail", args=[resumed.pk])
    )
    assert r.status_code == 200
    assert (r.context["applications"], r.context["reports"], r.context["difficulties"]) == (
        None,
        None,
        None,
    )
    assert "复工申请" not in r.content.decode().split("</nav>", 1)[-1]
