import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.dashboard.figures import figure_values, figures_for
from fangkong.dashboard.testing import generate_city_records
from fangkong.status.clock import local_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(areas, users):
    day = local_date(timezone.now())
    generate_city_records([areas["grid_a"], areas["grid_b"], areas["grid_c"]], day)
    return day


def test_own_area_by_default_with_figures_linked_to_lists(client, city, areas, users):
    client.force_login(users["command"])
    response = client.get(reverse("dashboard:dashboard"))
    assert response.status_code == 200
    assert response.context["area"] == areas["city"]
    values = figure_values(users["command"], areas["city"], city)
    items = {i["key"]: i for g in response.context["groups"] for i in g["items"]}
    assert {k: i["value"] for k, i in items.items()} == values
    assert items["cases_new"]["url"].startswith(reverse("tracing:case_list") + "?area=")
    html = response.content.decode()
    assert "仁和区" in html and "米易县" in html  # comparison rows
    assert reverse("dashboard:area", args=[areas["renhe"].pk]) in html


def test_drill_down_shows_breadcrumbs_up(client, city, areas, users):
    client.force_login(users["command"])
    response = client.get(reverse("dashboard:area", args=[areas["community"].pk]))
    assert response.status_code == 200
    assert response.context["crumbs"] == [areas["city"], areas["renhe"], areas["street"]]
    assert [r["area"] for r in response.context["comparison"]] == [
        areas["grid_a"],
        areas["grid_b"],
    ]


def test_community_sees_its_community_only(client, city, areas, users):
    client.force_login(users["community"])
    response = client.get(reverse("dashboard:dashboard"))
    assert response.status_code == 200
    assert response.context["area"] == areas["community"]
    assert response.context["crumbs"] == []
    outside = client.get(reverse("dashboard:area", args=[areas["miyi"].pk]))
    assert outside.status_code == 403
    above = client.get(reverse("dashboard:area", args=[areas["city"].pk]))
    assert above.status_code == 403


def test_figures_follow_view_permissions(client, city, users):
    """A grid worker may not view problems: their figures are left out of the page; a
    volunteer may view none of the records, so no dashboard."""
    user = users["grid_a"]
    assert not user.has_perm("supervision.view_problem")
    client.force_login(user)
    response = client.get(reverse("dashboard:dashboard"))
    keys = {i["key"] for g in response.context["groups"] for i in g["items"]}
    assert keys == {f.key for f in figures_for(user)}
    assert "cases_new" in keys and "problems_open" not in keys
    client.force_login(users["volunteer"])
    assert client.get(reverse("dashboard:dashboard")).status_code == 403


def test_login_required(client):
    response = client.get(reverse("dashboard:dashboard"))
    assert response.status_code == 302


def test_report_page_downloads_xlsx_and_pdf(client, city, areas, users):
    client.force_login(users["community"])
    page = client.get(reverse("dashboard:report"))
    assert page.status_code == 200 and "日报下载" in page.content.decode()
    params = {"area": areas["community"].pk, "date": city.isoformat(), "template": "default"}
    xlsx = client.get(reverse("dashboard:report"), {**params, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"].endswith(f'-{city:%Y%m%d}.xlsx"')
    assert xlsx.content[:2] == b"PK"
    pdf = client.get(reverse("dashboard:report"), {**params, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_report_page_refuses_areas_outside_scope_and_bad_dates(client, city, areas, users):
    client.force_login(users["community"])
    outside = {
        "area": areas["miyi"].pk,
        "date": city.isoformat(),
        "template": "default",
        "format": "xlsx",
    }
    response = client.get(reverse("dashboard:report"), outside)
    assert response.status_code == 200 and "form" in response.context
    assert "area" in response.context["form"].errors
    bad = {**outside, "area": areas["community"].pk, "date": "2020-13-40"}
    response = client.get(reverse("dashboard:report"), bad)
    assert "date" in response.context["form"].errors
    future = {**bad, "date": "2030-01-01"}
    response = client.get(reverse("dashboard:report"), future)
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert response.context["form"].errors == {"date": ["报表日期不能晚于今天"]}
    client.force_login(users["grid_a"])
    assert client.get(reverse("dashboard:report")).status_code == 403


def test_an_earlier_day_reads_as_of_its_24_00_and_downloads_that_days_report(
    client, city, areas, users
):
    """回看 12-01 read 数据截至 12-02 00:00 and its 日报下载 opened today's report; it reads
    截至 12-01 24:00 (as a daily bulletin says it) and the report form opens on that day."""
    import datetime

    earlier = city - datetime.timedelta(days=2)
    client.force_login(users["command"])
    page = client.get(reverse("dashboard:dashboard"), {"date": earlier.isoformat()})
    html = page.content.decode()
    assert f"数据截至 {earlier.isoformat()} 24:00" in html
    link = f"{reverse('dashboard:report')}?area={areas['city'].pk}&amp;date={earlier.isoformat()}"
    assert link in html
    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200 and "Content-Disposition" not in form
    assert not form.context["form"].is_bound
    assert form.context["form"]["date"].value() == earlier
    assert form.context["form"]["area"].value() == str(areas["city"].pk)


def test_a_day_to_come_or_a_typo_says_the_figures_are_todays(client, city, users):
    """回看 a future day (or 2020-13-40) showed today's figures under no warning."""
    client.force_login(users["command"])
    for asked in ("2999-01-01", "2020-13-40"):
        html = client.get(reverse("dashboard:dashboard"), {"date": asked}).content.decode()
        assert f"“{asked}”不是今天以前的日期，以下是当前数据" in html
    html = client.get(reverse("dashboard:dashboard")).content.decode()
    assert "不是今天以前的日期" not in html


def test_dashboard_as_of_an_earlier_day(client, city, areas, users):
    """?date= shows the figures (and trends) as of the end of that day, as the daily report."""
    import datetime

    earlier = city - datetime.timedelta(days=2)
    client.force_login(users["command"])
    response = client.get(reverse("dashboard:dashboard"), {"date": earlier.isoformat()})
    assert response.context["past"] == earlier
    items = {i["key"]: i["value"] for g in response.context["groups"] for i in g["items"]}
    assert items == figure_values(users["command"], areas["city"], earlier)
    assert response.context["comparison"][0]["area"] == areas["renhe"]
    # Today, a future day or nonsense: the live figures.
    for text in (city.isoformat(), "2999-01-01", "nonsense"):
        live = client.get(reverse("dashboard:dashboard"), {"date": text})
        assert live.context["past"] is None


def test_each_report_handed_out_is_audited_with_its_figures(client, areas, users):
    """日报 by 17:00, then a late visit: the report is generated from the records, so the
    day's figures change after it was sent. Each download leaves an export entry with the
    figures it carried (as every export does), so what was sent can be told from what is."""
    import datetime

    from fangkong.core.models import AuditEntry
    from fangkong.screening.services import create_campaign, record_visit
    from fangkong.status.testing import make_household

    today = local_date(timezone.now())
    campaign = create_campaign(
        actor=users["community"],
        area=areas["community"],
        title="返乡人员摸排",
        starts_on=today,
        due_on=today + datetime.timedelta(days=2),
    )
    home = make_household(areas["grid_a"], "A-101")
    make_household(areas["grid_b"], "B-201")
    client.force_login(users["community"])
    params = {"area": areas["community"].pk, "date": today.isoformat(), "template": "default"}
    assert client.get(reverse("dashboard:report"), {**params, "format": "xlsx"}).status_code == 200
    record_visit(actor=users["grid_a"], campaign=campaign, household=home, outcome="visited")
    assert client.get(reverse("dashboard:report"), {**params, "format": "pdf"}).status_code == 200
    sent, corrected = AuditEntry.objects.filter(action="export").order_by("id")
    for entry, fmt, visited, percent in ((sent, "xlsx", 0, "0.0"), (corrected, "pdf", 1, "50.0")):
        assert (entry.object_type, entry.object_repr) == (
            "dashboard.reporttemplate",
            "疫情防控工作日报",
        )
        assert (
            entry.actor_id == users["community"].pk and entry.area_path == areas["community"].path
        )
        changes = entry.changes
        assert (changes["area"], changes["day"], changes["format"]) == (
            areas["community"].code,
            today.isoformat(),
            fmt,
        )
        assert changes["figures"]["screening_households"] == 2
        assert changes["figures"]["screening_visited"] == visited
        assert changes["figures"]["screening_coverage"] == percent
