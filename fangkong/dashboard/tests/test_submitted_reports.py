"""日报报送: a report sent up is stored as it stood and read back from the copy (pages, API,
Excel/PDF); sending it again is a correction with a reason; the office above sees who has
sent theirs; the home page reminds an office that has not."""

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from fangkong.accounts.choices import Role
from fangkong.areas.choices import AreaLevel
from fangkong.core.models import AuditEntry
from fangkong.core.testing import factories
from fangkong.dashboard import services
from fangkong.dashboard.models import SubmittedReport
from fangkong.dashboard.report import DailyReport, build_report, default_template, render_xlsx
from fangkong.dashboard.tests.test_seed_figures import DAY, seeds  # noqa: F401
from fangkong.health.services import create_assignment
from fangkong.status.clock import local_date
from fangkong.supplies.tests.conftest import catalogue, places  # noqa: F401

pytestmark = pytest.mark.django_db

ITEMS = [
    {"key": "quarantined", "group": "隔离管控", "label": "在隔离人数"},
    {"key": "monitored", "group": "隔离管控", "label": "健康监测人数"},
]


@pytest.fixture
def brief(areas, users):
    """The city office's short form (简报), which every office below it may use."""
    return services.create_report_template(
        actor=users["command"], area=areas["city"], name="简报", title="疫情简报", items=ITEMS
    )


@pytest.fixture
def today():
    return local_date(timezone.now())


def _quarantine(users, area, today, prefix="甲"):
    resident = factories.make_residents(users["command"], area, 1, prefix=prefix)[0]
    create_assignment(
        actor=users["command"],
        resident=resident,
        kind="home_quarantine",
        start_date=today,
        end_date=today + datetime.timedelta(days=14),
    )


def _submit(users, areas, brief, today, *, who="community", reason=""):
    return services.submit_daily_report(
        actor=users[who], area=areas[who], day=today, template=brief, reason=reason
    )


def _figures(data) -> dict:
    return {line["key"]: line["value"] for s in data["sections"] for line in s["lines"]}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _sheet(data: bytes) -> dict:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return {row[0]: row[1] for row in ws.iter_rows(min_row=5, values_only=True) if row[0]}


def test_stored_copy_keeps_the_figures_as_sent(client, areas, users, brief, today):
    _quarantine(users, areas["grid_a"], today)
    submitted = _submit(users, areas, brief, today)
    assert (submitted.revision, submitted.is_current, submitted.template_name) == (1, True, "简报")
    assert submitted.data["sections"] == [
        {
            "heading": "隔离管控",
            "lines": [
                {"key": "quarantined", "label": "在隔离人数", "value": 1, "as_of": True},
                {"key": "monitored", "label": "健康监测人数", "value": 0, "as_of": True},
            ],
        }
    ]
    assert submitted.data["area"]["full_name"] == "仁和区仁和街道海棠花语社区"
    # A record entered late: the live report changes, the copy sent does not.
    _quarantine(users, areas["grid_b"], today, prefix="乙")
    live = build_report(users["community"], areas["community"], today, brief)
    assert live.values() == {"quarantined": 2, "monitored": 0}
    submitted.refresh_from_db()
    assert _figures(submitted.data) == {"quarantined": 1, "monitored": 0}
    client.force_login(users["street"])
    page = client.get(reverse("dashboard:submitted_detail", args=[submitted.pk]))
    assert page.status_code == 200
    assert page.context["report"].values() == {"quarantined": 1, "monitored": 0}
    assert [(c["row"]["area"].name, c["values"]) for c in page.context["children"]] == [
        ("第一网格", [1, 0]),
        ("第二网格", [0, 0]),
    ]
    sheet = _sheet(
        client.get(reverse("dashboard:submitted_export", args=[submitted.pk, "xlsx"])).content
    )
    assert (sheet["在隔离人数"], sheet["健康监测人数"]) == (1, 0)
    pdf = client.get(reverse("dashboard:submitted_export", args=[submitted.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="daily-report-510411001001-{today:%Y%m%d}-v1.pdf"'
    )
    exports = AuditEntry.objects.filter(action="export", object_type="dashboard.submittedreport")
    assert sorted(e.changes["format"] for e in exports) == ["pdf", "xlsx"]


def test_stored_data_reads_back_as_the_report_it_was(seeds, areas, users):  # noqa: F811
    """Decimals (money) keep their places through JSON; Excel from the copy is the live one's."""
    report = build_report(users["leader"], areas["city"], DAY, default_template())
    again = DailyReport.from_data(json.loads(json.dumps(report.as_data())))
    assert again.values() == report.values()
    assert [r["area"].name for r in again.children] == [r["area"].name for r in report.children]
    assert _sheet(render_xlsx(again)) == _sheet(render_xlsx(report))
    assert [(s.key, s.points) for s in again.trends] == [(s.key, s.points) for s in report.trends]


def test_a_correction_needs_a_reason(client, areas, users, brief, today):
    first = _submit(users, areas, brief, today)
    with pytest.raises(ValidationError) as refused:
        _submit(users, areas, brief, today, reason="  ")
    at = timezone.localtime(first.submitted_at).strftime("%Y-%m-%d %H:%M")
    assert refused.value.message_dict == {
        "reason": [f"{today.isoformat()} 的日报已于 {at} 报送，再次报送为更正，请填写更正原因"]
    }
    assert SubmittedReport.objects.count() == 1
    # The page says the same, by the field, and stores nothing.
    client.force_login(users["community"])
    response = client.post(
        reverse("dashboard:submit"),
        {"area": areas["community"].pk, "date": today.isoformat(), "template": "简报"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        f"{today.isoformat()} 的日报已于 {at} 报送，再次报送为更正，请填写更正原因"
    ]
    assert SubmittedReport.objects.count() == 1


def test_corrections_are_versions_and_earlier_ones_stay(client, areas, users, brief, today):
    first = _submit(users, areas, brief, today)
    _quarantine(users, areas["grid_a"], today)
    client.force_login(users["community"])
    response = client.post(
        reverse("dashboard:submit"),
        {
            "area": areas["community"].pk,
            "date": today.isoformat(),
            "template": "简报",
            "reason": "补录隔离人员",
        },
    )
    second = SubmittedReport.objects.get(revision=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:submitted_detail", args=[second.pk])
    first.refresh_from_db()
    assert [
        (r.revision, r.is_current, r.reason, _figures(r.data)["quarantined"])
        for r in SubmittedReport.objects.order_by("revision")
    ] == [(1, False, "", 0), (2, True, "补录隔离人员", 1)]
    # Another template of the same day is a report of its own, not a correction.
    other = _submit(users, areas, default_template(), today)
    assert (other.revision, other.template_name) == (1, "default")
    page = client.get(reverse("dashboard:submitted_detail", args=[first.pk]))
    assert page.context["report"].values() == {"quarantined": 0, "monitored": 0}
    assert [v.revision for v in page.context["versions"]] == [2, 1]
    listing = client.get(reverse("dashboard:submitted_list"))
    assert sorted(o.pk for o, _cells in listing.context["table"]) == sorted([second.pk, other.pk])
    entry = AuditEntry.objects.get(
        action="create", object_type="dashboard.submittedreport", object_id=str(second.pk)
    )
    assert (entry.reason, entry.actor_id) == ("补录隔离人员", users["community"].pk)
    assert (entry.changes["revision"], entry.changes["is_current"]) == (2, True)
    superseded = AuditEntry.objects.get(
        action="update", object_type="dashboard.submittedreport", object_id=str(first.pk)
    )
    assert superseded.changes == {"is_current": [True, False]}
    assert superseded.reason == "补录隔离人员"


def test_a_community_sees_only_its_own_reports(client, areas, users, brief, today):
    ours = _submit(users, areas, brief, today)
    miyi = factories.make_user(Role.COMMUNITY, areas["miyi_community"], username="miyi")
    theirs = services.submit_daily_report(
        actor=miyi, area=areas["miyi_community"], day=today, template=brief
    )
    client.force_login(users["community"])
    listing = client.get(reverse("dashboard:submitted_list"))
    assert [o.pk for o, _cells in listing.context["table"]] == [ours.pk]
    assert client.get(reverse("dashboard:submitted_detail", args=[theirs.pk])).status_code == 404
    for fmt in ("xlsx", "pdf"):
        url = reverse("dashboard:submitted_export", args=[theirs.pk, fmt])
        assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()
    api = _api(users["community"])
    body = api.get("/api/v1/submitted-reports/").json()
    assert [r["id"] for r in body["results"]] == [ours.pk]
    assert body["results"][0]["data"] == ours.data
    assert api.get(f"/api/v1/submitted-reports/{theirs.pk}/").status_code == 404
    assert api.post("/api/v1/submitted-reports/", {}).status_code == 405
    # The city office sees both; a grid worker none (no permission).
    city = _api(users["command"]).get("/api/v1/submitted-reports/").json()
    assert sorted(r["id"] for r in city["results"]) == sorted([ours.pk, theirs.pk])
    assert _api(users["grid_a"]).get("/api/v1/submitted-reports/").status_code == 403


def test_an_office_sends_only_its_own_areas_report(areas, users, brief, today):
    with pytest.raises(PermissionDenied):
        services.submit_daily_report(
            actor=users["community"], area=areas["grid_a"], day=today, template=brief
        )
    with pytest.raises(PermissionDenied):
        services.submit_daily_report(
            actor=users["grid_a"], area=areas["grid_a"], day=today, template=brief
        )
    with pytest.raises(ValidationError) as refused:
        _submit(users, areas, brief, today + datetime.timedelta(days=1))
    assert refused.value.message_dict == {"date": ["报表日期不能晚于今天"]}
    assert not SubmittedReport.objects.exists()


def test_submission_status_counts_the_sub_areas(
    client, areas, users, brief, today, django_assert_num_queries
):
    second = factories.area("510411001002", "枣子坪社区", AreaLevel.COMMUNITY, areas["street"])
    factories.area("510411001003", "大河社区", AreaLevel.COMMUNITY, areas["street"])
    sent = _submit(users, areas, brief, today)
    yesterday = today - datetime.timedelta(days=1)
    other = factories.make_user(Role.COMMUNITY, second, username="zaoziping")
    services.submit_daily_report(actor=other, area=second, day=yesterday, template=brief)
    client.force_login(users["street"])
    url = reverse("dashboard:submission_status")
    with CaptureQueriesContext(connection) as counted:
        response = client.get(url)
    status = response.context["status"]
    assert (status.area, status.day) == (areas["street"], today)
    assert (status.total, status.submitted_count, status.missing_count) == (3, 1, 2)
    assert [(r.area.name, [s.pk for s in r.reports]) for r in status.rows] == [
        ("海棠花语社区", [sent.pk]),
        ("枣子坪社区", []),
        ("大河社区", []),
    ]
    assert "已报送 1 / 3，未报送 2" in response.content.decode()
    baseline = len(counted.captured_queries)
    assert baseline == 8  # session, user, area; sub-areas, their reports; breadcrumb…
    # One more community that sent its report: no more queries.
    third = factories.area("510411001004", "金江社区", AreaLevel.COMMUNITY, areas["street"])
    services.submit_daily_report(
        actor=factories.make_user(Role.COMMUNITY, third, username="jinjiang"),
        area=third,
        day=today,
        template=brief,
    )
    with django_assert_num_queries(baseline):
        response = client.get(url)
    assert response.context["status"].submitted_count == 2
    past = client.get(url, {"date": yesterday.isoformat()}).context["status"]
    assert (past.day, past.submitted_count, past.total) == (yesterday, 1, 4)
    district = client.get(url, {"area": areas["renhe"].pk})
    assert district.status_code == 403  # above the street's own area
    client.force_login(users["command"])
    renhe = client.get(url, {"area": areas["renhe"].pk}).context["status"]
    assert [(r.area.name, r.submitted) for r in renhe.rows] == [("仁和街道", False)]
    # The dashboard links to it, where the sub-areas send reports: a community's grids do not.
    page = client.get(reverse("dashboard:area", args=[areas["street"].pk]))
    assert f"{url}?area={areas['street'].pk}" in page.content.decode()
    page = client.get(reverse("dashboard:area", args=[areas["community"].pk]))
    assert "submission-status-link" not in page.content.decode()
    client.force_login(users["community"])
    grids = client.get(url)
    assert (grids.context["status"].total, grids.context["status"].rows) == (0, [])
    assert "该区域没有报送日报的下级区域（网格不报送日报）。" in grids.content.decode()


def test_home_todo_until_todays_report_is_sent(client, areas, users, brief, today):
    def todos(user):
        client.force_login(user)
        return {t.key: t for t in client.get(reverse("home")).context["todos"]}

    todo = todos(users["community"])["daily_report"]
    assert (todo.label, todo.count, todo.url) == ("今日日报未报送", 1, reverse("dashboard:submit"))
    assert client.get(todo.url).status_code == 200
    # Yesterday's report does not count for today.
    _submit(users, areas, brief, today - datetime.timedelta(days=1))
    assert "daily_report" in todos(users["community"])
    _submit(users, areas, brief, today)
    assert "daily_report" not in todos(users["community"])
    # The street has not sent its own yet; a grid worker and the city office send none.
    assert todos(users["street"])["daily_report"].count == 1
    assert "daily_report" not in todos(users["grid_a"])
    assert "daily_report" not in todos(users["command"])


def test_list_page_and_api_queries_do_not_grow_with_the_rows(
    client, areas, users, brief, today, django_assert_num_queries
):
    _submit(users, areas, brief, today)
    client.force_login(users["command"])
    api = _api(users["command"])
    page_url, api_url = reverse("dashboard:submitted_list"), "/api/v1/submitted-reports/"
    with CaptureQueriesContext(connection) as page_queries:
        client.get(page_url)
    with CaptureQueriesContext(connection) as api_queries:
        api.get(api_url)
    assert (len(page_queries.captured_queries), len(api_queries.captured_queries)) == (8, 5)
    # More offices' reports, and a correction: the same queries.
    _submit(users, areas, brief, today, reason="更正")
    _submit(users, areas, brief, today, who="street")
    for code, name in (("510421100002", "草场社区"), ("510421100003", "丙谷社区")):
        community = factories.area(code, name, AreaLevel.COMMUNITY, areas["miyi_street"])
        services.submit_daily_report(
            actor=factories.make_user(Role.COMMUNITY, community, username=code),
            area=community,
            day=today,
            template=brief,
        )
    with django_assert_num_queries(len(page_queries.captured_queries)):
        listing = client.get(page_url)
    assert len(list(listing.context["table"])) == 4
    with django_assert_num_queries(len(api_queries.captured_queries)):
        assert api.get(api_url).json()["count"] == 5


def test_api_lists_every_revision_or_the_current_ones(areas, users, brief, today):
    first = _submit(users, areas, brief, today)
    second = _submit(users, areas, brief, today, reason="补录")
    api = _api(users["street"])
    every = api.get("/api/v1/submitted-reports/").json()["results"]
    assert [(r["id"], r["revision"], r["is_current"]) for r in every] == [
        (second.pk, 2, True),
        (first.pk, 1, False),
    ]
    current = api.get("/api/v1/submitted-reports/", {"is_current": "true"}).json()["results"]
    assert [(r["id"], r["area_name"], r["reason"]) for r in current] == [
        (second.pk, "海棠花语社区", "补录")
    ]


def test_deleting_a_template_leaves_the_reports_sent_with_it_and_logs_their_unlinking(
    users, areas, brief, today
):
    sent, template_pk = _submit(users, areas, brief, today), brief.pk
    services.delete_report_template(actor=users["command"], reporttemplate=brief, reason="停用")
    sent.refresh_from_db()
    assert sent.template_id is None and sent.template_name == "简报"
    entry = AuditEntry.objects.get(object_type="dashboard.submittedreport", action="update")
    assert entry.object_id == str(sent.pk) and entry.reason == "报表模板已删除"
    assert entry.changes == {"template": [template_pk, None]}
