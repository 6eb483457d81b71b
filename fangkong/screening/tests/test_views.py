"""Screening pages: campaigns, live coverage, 未走访户 (export), 走访登记 and findings."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fangkong.areas.choices import AreaLevel
from fangkong.core.personal import mask
from fangkong.screening.models import Campaign, Finding, Visit
from fangkong.screening.services import create_campaign, record_finding, record_visit
from fangkong.status.testing import make_household, make_resident, today

DAY = datetime.timedelta(days=1)


@pytest.fixture
def campaign(users, areas):
    """The street's campaign; a1 visited, a2 and b1 not; c1 lies in another district."""
    c = create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="湖北返乡人员摸排",
        starts_on=today() - 3 * DAY,
        due_on=today() + 3 * DAY,
        origin_filter="湖北",
    )
    h = {
        "a1": make_household(areas["grid_a"], "A-101"),
        "a2": make_household(areas["grid_a"], "A-102"),
        "b1": make_household(areas["grid_b"], "B-201"),
        "c1": make_household(areas["grid_c"], "C-301"),
    }
    record_visit(
        actor=users["grid_a"],
        campaign=c,
        household=h["a1"],
        outcome="visited",
        people_found=3,
        new_people=1,
    )
    return {"campaign": c, **h}


def rows_of(response) -> list:
    return [obj for obj, _cells in response.context["table"]]


def read_xlsx(response) -> list[list]:
    data = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def test_campaign_list_shows_covering_campaigns_only(client, users, campaign):
    client.force_login(users["grid_a"])
    r = client.get(reverse("screening:campaign_list"))
    assert [c.title for c in rows_of(r)] == ["湖北返乡人员摸排"]
    client.force_login(users["grid_c"])
    assert rows_of(client.get(reverse("screening:campaign_list"))) == []
    detail = reverse("screening:campaign_detail", args=[campaign["campaign"].pk])
    assert client.get(detail).status_code == 404


def test_street_creates_a_campaign_grid_worker_may_not(client, users, areas):
    client.force_login(users["grid_a"])
    assert client.get(reverse("screening:campaign_add")).status_code == 403
    client.force_login(users["street"])
    r = client.post(
        reverse("screening:campaign_add"),
        {
            "area": areas["community"].pk,
            "title": "流入人员摸排",
            "starts_on": today().isoformat(),
            "due_on": (today() + 5 * DAY).isoformat(),
        },
    )
    campaign = Campaign.objects.get()
    assert r.status_code == 302
    assert (campaign.title, campaign.area, campaign.created_by) == (
        "流入人员摸排",
        areas["community"],
        users["street"],
    )
    r = client.post(
        reverse("screening:campaign_add"),
        {
            "area": areas["grid_c"].pk,
            "title": "越权",
            "starts_on": today().isoformat(),
            "due_on": today().isoformat(),
        },
    )
    assert r.status_code == 200
    assert "area" in r.context["form"].errors
    assert Campaign.objects.count() == 1


def test_coverage_table_per_grid_and_scoped(client, users, campaign):
    url = reverse("screening:campaign_detail", args=[campaign["campaign"].pk])
    client.force_login(users["community"])
    r = client.get(url, {"level": 6})
    rows = [
        (x.area.name, x.households, x.visited, x.not_visited, x.people_found)
        for x in r.context["rows"]
    ]
    assert rows == [("第一网格", 2, 1, 1, 3), ("第二网格", 1, 0, 1, 0)]
    assert (r.context["total"].households, r.context["total"].visited) == (3, 1)
    client.force_login(users["grid_a"])
    r = client.get(url, {"level": 6})
    assert [(x.area.name, x.households) for x in r.context["rows"]] == [("第一网格", 2)]


def test_coverage_opens_at_a_level_the_user_sees_whole(client, users, campaign):
    """A grid worker's coverage of a street's campaign is by grid: at the community level
    their one grid is no community, and the table was empty with a total of "100 %"."""
    url = reverse("screening:campaign_detail", args=[campaign["campaign"].pk])
    client.force_login(users["grid_a"])
    r = client.get(url)
    assert [value for value, _label in r.context["levels"]] == [AreaLevel.GRID]
    assert [(x.area.name, x.households, x.percent) for x in r.context["rows"]] == [
        ("第一网格", 2, 50)
    ]
    assert client.get(url, {"level": AreaLevel.COMMUNITY}).context["level"] == AreaLevel.GRID
    client.force_login(users["community"])
    levels = [value for value, _label in client.get(url).context["levels"]]
    assert levels == [AreaLevel.COMMUNITY, AreaLevel.GRID]
    client.force_login(users["street"])
    assert client.get(url).context["level"] == AreaLevel.COMMUNITY


def test_an_area_without_households_has_no_coverage_percent(client, users, areas):
    c = create_campaign(
        actor=users["command"],
        area=areas["miyi_street"],
        title="外来人员摸排",
        starts_on=today() - DAY,
        due_on=today() + DAY,
    )
    client.force_login(users["command"])
    r = client.get(reverse("screening:campaign_detail", args=[c.pk]), {"level": AreaLevel.GRID})
    assert [(x.households, x.percent) for x in r.context["rows"]] == [(0, None)]
    assert r.context["total"].percent is None
    assert "100%" not in r.content.decode()


def test_coverage_fragment_for_htmx_and_overdue_highlight(client, users, campaign):
    c = campaign["campaign"]
    Campaign.objects.filter(pk=c.pk).update(due_on=today() - DAY)
    client.force_login(users["street"])
    r = client.get(
        reverse("screening:campaign_coverage", args=[c.pk]),
        {"level": 5},
        headers={"HX-Request": "true"},
    )
    body = r.content.decode()
    assert body.lstrip().startswith('<div id="coverage">')
    assert '<tr class="table-danger" data-area="510411001001">' in body
    assert [(x.area.name, x.overdue_grids) for x in r.context["rows"]] == [("海棠花语社区", 2)]


def test_unvisited_list_scoped_and_export_masked(client, users, campaign):
    url = reverse("screening:campaign_unvisited", args=[campaign["campaign"].pk])
    client.force_login(users["grid_a"])
    assert [h.number for h in rows_of(client.get(url))] == ["A-102"]
    client.force_login(users["community"])
    r = client.get(url)
    assert [h.number for h in rows_of(r)] == ["A-102", "B-201"]
    address = campaign["a2"].address
    assert address not in r.content.decode()
    rows = read_xlsx(client.get(url, {"export": "xlsx"}))
    assert rows[0] == ["户编号", "网格", "楼栋", "地址", "最近走访结果"]
    # the export names the grid after its community (a street's list spans many 第一网格)
    assert rows[1] == ["A-102", "海棠花语社区第一网格", None, mask("address", address), "未走访"]
    assert len(rows) == 3


def test_unvisited_list_query_count(client, users, areas, campaign, django_assert_num_queries):
    for i in range(20):
        make_household(areas["grid_b"], f"X-{i}")
    client.force_login(users["community"])
    url = reverse("screening:campaign_unvisited", args=[campaign["campaign"].pk])
    client.get(url)
    # session, user, role perms (2), user's area, campaign, count, rows (SQLite: the page's
    # keys, then its rows), area choices
    with django_assert_num_queries(9 + (connection.vendor == "sqlite")):
        r = client.get(url)
    assert r.context["page"].paginator.count == 22


def test_campaign_list_query_count(client, users, areas, django_assert_num_queries):
    for i in range(12):
        create_campaign(
            actor=users["street"],
            area=areas["street"],
            title=f"行动{i}",
            starts_on=today(),
            due_on=today(),
        )
    client.force_login(users["grid_a"])
    client.get(reverse("screening:campaign_list"))
    # session, user, role perms (2), user's area, count, rows, area choices
    with django_assert_num_queries(8):
        r = client.get(reverse("screening:campaign_list"))
    assert r.context["page"].paginator.count == 12


def test_grid_worker_records_a_visit_in_a_few_taps(client, users, campaign):
    c = campaign["campaign"]
    client.force_login(users["grid_a"])
    r = client.get(reverse("screening:visit_start", args=[c.pk]))
    assert [h.number for h in r.context["households"]] == ["A-102", "A-101"]  # to do first
    r = client.get(
        reverse("screening:visit_start", args=[c.pk]), {"q": "102"}, headers={"HX-Request": "true"}
    )
    assert [h.number for h in r.context["households"]] == ["A-102"]
    url = reverse("screening:visit_record", args=[c.pk, campaign["a2"].pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {"outcome": "nobody_home", "people_found": 0, "new_people": 0})
    assert r.status_code == 302
    visit = Visit.objects.get(household=campaign["a2"])
    assert (visit.outcome, visit.visited_by) == ("nobody_home", users["grid_a"])
    # bad counts come back as field errors, nothing saved
    r = client.post(url, {"outcome": "visited", "people_found": 1, "new_people": 2})
    assert r.context["form"].errors["new_people"] == ["新发现人数不能多于在户人数"]
    assert Visit.objects.filter(household=campaign["a2"]).count() == 1


def test_grid_worker_cannot_visit_another_grid(client, users, campaign):
    c = campaign["campaign"]
    client.force_login(users["grid_a"])
    url = reverse("screening:visit_record", args=[c.pk, campaign["b1"].pk])
    assert client.post(url, {"outcome": "visited", "people_found": 1}).status_code == 404
    assert Visit.objects.filter(household=campaign["b1"]).count() == 0


def test_mark_member_as_returnee_and_findings_list_masks_id(client, users, areas, campaign):
    c = campaign["campaign"]
    person = make_resident(
        areas["grid_a"], name="欧阳明月", household=campaign["a1"], origin="湖北武汉"
    )
    client.force_login(users["grid_a"])
    page = reverse("screening:visit_record", args=[c.pk, campaign["a1"].pk])
    assert "欧阳明月" in client.get(page).content.decode()
    r = client.post(
        reverse("screening:finding_record", args=[c.pk, campaign["a1"].pk]),
        {"resident": person.pk, "kind": "returnee"},
    )
    assert r.status_code == 302
    finding = Finding.objects.get()
    assert (finding.resident, finding.kind, finding.visit.household) == (
        person,
        "returnee",
        campaign["a1"],
    )
    r = client.get(reverse("screening:finding_list"), {"campaign": c.pk})
    body = r.content.decode()
    assert [f.pk for f in rows_of(r)] == [finding.pk]
    assert person.id_number not in body and mask("id_number", person.id_number) in body
    client.force_login(users["grid_b"])
    assert rows_of(client.get(reverse("screening:finding_list"))) == []


def test_visit_list_masks_notes(client, users, campaign):
    record_visit(
        actor=users["grid_a"],
        campaign=campaign["campaign"],
        household=campaign["a2"],
        outcome="refused",
        notes="户主称在外地打工",
    )
    client.force_login(users["grid_a"])
    r = client.get(reverse("screening:visit_list"))
    assert len(rows_of(r)) == 2
    assert "户主称在外地打工" not in r.content.decode()
    client.force_login(users["grid_b"])
    assert rows_of(client.get(reverse("screening:visit_list"))) == []


def test_a_mis_tapped_finding_is_corrected_or_taken_back_and_the_figures_follow(
    client, users, areas, campaign
):
    """One tap records a finding; the grid worker can change its category or take it back
    (both audited), and the dashboard's 摸排发现 / 其中返乡人员 follow."""
    from fangkong.core.models import AuditEntry
    from fangkong.dashboard.figures import figure_values

    c = campaign["campaign"]
    person = make_resident(areas["grid_a"], name="误点居民", household=campaign["a1"])
    client.force_login(users["grid_a"])
    url = reverse("screening:finding_record", args=[c.pk, campaign["a1"].pk])
    keys = ["screening_found", "screening_returnees"]

    def figures():
        return figure_values(users["command"], areas["city"], today(), keys)

    client.post(url, {"resident": person.pk, "kind": "returnee"})
    assert figures() == {"screening_found": 1, "screening_returnees": 1}
    page = client.get(reverse("screening:visit_record", args=[c.pk, campaign["a1"].pk]))
    assert "改为流入人员" in page.content.decode()
    r = client.post(url, {"resident": person.pk, "kind": "inflow"}, follow=True)
    assert "已更正摸排发现" in r.content.decode()
    assert Finding.objects.get().kind == "inflow"
    assert figures() == {"screening_found": 1, "screening_returnees": 0}
    r = client.post(url, {"resident": person.pk, "kind": ""}, follow=True)
    assert "已撤销摸排发现" in r.content.decode()
    assert not Finding.objects.exists()
    assert figures() == {"screening_found": 0, "screening_returnees": 0}
    actions = AuditEntry.objects.filter(object_type="screening.finding").order_by("id")
    assert [e.action for e in actions] == ["create", "update", "delete"]
    # Nothing to take back: a blank category is refused, nothing written.
    r = client.post(url, {"resident": person.pk, "kind": ""}, follow=True)
    assert "请选择人员类别" in r.content.decode() and not Finding.objects.exists()


def test_grid_worker_registers_a_new_member_found_at_the_door_and_marks_them(
    client, users, areas, campaign
):
    """地毯式排查 finds a returnee the registry does not have: 登记新成员 on the visit page
    opens the resident form in that household and comes back to the visit to mark them."""
    from fangkong.core.testing.factories import make_id_number
    from fangkong.registry.models import Resident

    household = campaign["a1"]
    visit_url = reverse("screening:visit_record", args=[campaign["campaign"].pk, household.pk])
    client.force_login(users["grid_a"])
    add_url = f"{reverse('registry:resident_add')}?household={household.pk}&next={visit_url}"
    assert add_url.replace("&", "&amp;") in client.get(visit_url).content.decode()
    form = client.get(add_url).context["form"]
    assert (form.initial["area"], form.initial["household"]) == (household.area_id, household.pk)
    assert household in form.fields["household"].queryset
    r = client.post(
        add_url,
        {
            "area": household.area_id,
            "household": household.pk,
            "name": "返乡者",
            "id_number": make_id_number(birth=datetime.date(1992, 2, 2)),
            "category": "returnee",
            "origin": "湖北武汉",
        },
    )
    assert r.status_code == 302 and r.url == visit_url
    person = Resident.objects.get(name="返乡者")
    assert person.household_id == household.pk
    members = [row["resident"] for row in client.get(visit_url).context["members"]]
    assert person in members


def test_resident_form_ignores_another_grids_household_and_an_outside_next(
    client, users, areas, campaign
):
    from fangkong.core.testing.factories import make_id_number
    from fangkong.registry.models import Resident

    client.force_login(users["grid_a"])
    form = client.get(f"{reverse('registry:resident_add')}?household={campaign['b1'].pk}")
    assert form.context["form"].initial == {}
    r = client.post(
        f"{reverse('registry:resident_add')}?next=https://evil.example/",
        {
            "area": areas["grid_a"].pk,
            "name": "外站跳转",
            "id_number": make_id_number(birth=datetime.date(1991, 1, 1)),
            "category": "permanent",
        },
    )
    person = Resident.objects.get(name="外站跳转")
    assert r.url == reverse("registry:resident_detail", args=[person.pk])


def test_a_household_that_moved_out_is_settled_and_counted_everywhere(client, users, campaign):
    """Seed 000's 拉网式排查 finds flats whose household has moved out. Recorded as 无人在家 it
    stayed 未走访 for ever and the grid never reached 100 %; 已搬离/空置 settles it: out of the
    未走访户 list, counted as visited (and shown apart) in the coverage, in the dashboard's
    kept figures and on the grid worker's list."""
    from fangkong.dashboard.figures import figure_values

    c = campaign["campaign"]
    client.force_login(users["grid_a"])
    url = reverse("screening:visit_record", args=[c.pk, campaign["a2"].pk])
    r = client.post(url, {"outcome": "vacant", "people_found": 0, "new_people": 0, "notes": ""})
    assert r.status_code == 302
    r = client.get(reverse("screening:visit_start", args=[c.pk]))
    assert "已搬离/空置" in r.content.decode()
    assert rows_of(client.get(reverse("screening:campaign_unvisited", args=[c.pk]))) == []
    r = client.get(reverse("screening:campaign_detail", args=[c.pk]))
    assert [
        (x.area.name, x.households, x.visited, x.vacant, x.percent) for x in r.context["rows"]
    ] == [("第一网格", 2, 2, 1, 100)]
    # someone found at home in a flat said to be empty: a later visit counts, as always
    r = client.post(url, {"outcome": "visited", "people_found": 1, "new_people": 0})
    r = client.get(reverse("screening:campaign_detail", args=[c.pk]))
    assert [(x.visited, x.vacant) for x in r.context["rows"]] == [(2, 0)]
    client.post(url, {"outcome": "vacant", "people_found": 0, "new_people": 0})
    figures = figure_values(
        users["street"],
        c.area,
        today(),
        ["screening_households", "screening_visited"],
    )
    assert figures == {"screening_households": 3, "screening_visited": 2}
    # a people count on an empty flat is refused
    r = client.post(url, {"outcome": "vacant", "people_found": 2, "new_people": 0})
    assert r.context["form"].errors["people_found"] == ["未入户时在户人数应为 0"]


def test_coverage_exports_to_excel_per_level_with_its_total(client, users, campaign):
    """The community secretary sends the coverage up as Excel: the rows of the level shown
    (grids named after their community), the 无人在家/拒绝配合 still to revisit, and 合计; the
    export is audited, and a grid worker's holds their own grid only."""
    from fangkong.core.models import AuditEntry
    from fangkong.screening.services import record_finding

    c = campaign["campaign"]
    record_visit(actor=users["grid_b"], campaign=c, household=campaign["b1"], outcome="refused")
    returnee = make_resident(campaign["a1"].area, household=campaign["a1"], name="返乡甲")
    record_finding(actor=users["grid_a"], campaign=c, resident=returnee, kind="returnee")
    url = reverse("screening:campaign_coverage", args=[c.pk])
    client.force_login(users["community"])
    page = client.get(reverse("screening:campaign_detail", args=[c.pk]), {"level": 6})
    assert f"{url}?level=6&amp;export=xlsx" in page.content.decode()
    rows = read_xlsx(client.get(url, {"level": AreaLevel.GRID, "export": "xlsx"}))
    assert rows == [
        [
            "区域",
            "区划代码",
            "总户数",
            "已走访",
            "其中已搬离/空置",
            "无人在家",
            "拒绝配合",
            "未走访",
            "覆盖率(%)",
            "在户人数",
            "新发现人数",
            "摸排发现人员",
            "返乡人员",
            "流入人员",
            "逾期网格",
        ],
        ["海棠花语社区第一网格", "510411001001G01", 2, 1, 0, 0, 0, 1, 50, 3, 1, 1, 1, 0, 0],
        ["海棠花语社区第二网格", "510411001001G02", 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0],
        ["合计", None, 3, 1, 0, 0, 1, 2, 33, 3, 1, 1, 1, 0, 0],
    ]
    entry = AuditEntry.objects.get(action="export", object_type="screening.campaign")
    assert entry.object_repr == "湖北返乡人员摸排覆盖情况"
    assert entry.changes["rows"] == 3
    client.force_login(users["street"])
    rows = read_xlsx(client.get(url, {"level": AreaLevel.COMMUNITY, "export": "xlsx"}))
    assert [r[:4] for r in rows[1:]] == [
        ["海棠花语社区", "510411001001", 3, 1],
        ["合计", None, 3, 1],
    ]
    client.force_login(users["grid_a"])
    rows = read_xlsx(client.get(url, {"export": "xlsx"}))
    assert [r[:4] for r in rows[1:]] == [
        ["海棠花语社区第一网格", "510411001001G01", 2, 1],
        ["合计", None, 2, 1],
    ]


def test_the_phone_list_puts_the_households_still_to_settle_first(client, users, areas, campaign):
    """A real grid holds hundreds of households and the phone page shows 50: in number
    order the ones left (never visited, nobody home) fell off the page once the first 50
    were done; now they come first, in number order, the settled ones after them."""
    c = campaign["campaign"]
    homes = [make_household(areas["grid_a"], f"N-{i:03d}") for i in range(1, 56)]
    for h in homes[:-1]:
        outcome = "nobody_home" if h.number == "N-010" else "visited"
        record_visit(actor=users["grid_a"], campaign=c, household=h, outcome=outcome)
    record_visit(actor=users["grid_a"], campaign=c, household=homes[20], outcome="vacant")
    client.force_login(users["grid_a"])
    r = client.get(reverse("screening:visit_start", args=[c.pk]))
    numbers = [h.number for h in r.context["households"]]
    assert len(numbers) == 50
    assert numbers[:5] == ["A-102", "N-010", "N-055", "A-101", "N-001"]
    assert "N-021" not in numbers[:3]


def test_a_visit_entered_late_counts_on_the_day_it_was_made(client, users, campaign):
    """补录: visits made without signal and typed in the next morning counted on the day
    they were typed, so yesterday's 日报 missed them and today's had them twice over. The
    form takes the visit's time (blank: now); not before the campaign, not to come."""
    from fangkong.dashboard.figures import figure_values

    c = campaign["campaign"]
    today = timezone.localdate()
    yesterday = today - DAY
    client.force_login(users["grid_a"])
    url = reverse("screening:visit_record", args=[c.pk, campaign["a2"].pk])
    assert 'type="datetime-local"' in client.get(url).content.decode()
    data = {"outcome": "visited", "people_found": 2, "new_people": 0}
    r = client.post(url, {**data, "visited_at": f"{yesterday.isoformat()}T19:30"})
    assert r.status_code == 302
    visit = Visit.objects.get(household=campaign["a2"])
    assert timezone.localtime(visit.visited_at).strftime("%Y-%m-%d %H:%M") == (
        f"{yesterday.isoformat()} 19:30"
    )

    def visited(day):
        return figure_values(users["street"], c.area, day, ["screening_visited"])

    assert visited(yesterday) == {"screening_visited": 1}  # a1 is today's
    assert visited(today) == {"screening_visited": 2}
    before = (c.starts_on - DAY).isoformat()
    r = client.post(url, {**data, "visited_at": f"{before}T10:00"})
    assert r.context["form"].errors["visited_at"] == ["走访时间不能早于摸排行动的开始日期"]
    r = client.post(url, {**data, "visited_at": f"{(today + 2 * DAY).isoformat()}T10:00"})
    assert r.context["form"].errors["visited_at"] == ["走访时间不能晚于当前时间"]
    assert Visit.objects.filter(household=campaign["a2"]).count() == 1


def test_a_grid_workers_home_page_leads_to_the_door_to_door_work(client, users, campaign):
    """On a phone the menu hides 摸排: the home page shows each running campaign with the
    worker's households still to visit and 走访登记; once it is closed, nothing."""
    from fangkong.screening.services import close_campaign

    c = campaign["campaign"]
    client.force_login(users["grid_a"])
    page = client.get(reverse("home")).content.decode()
    assert "湖北返乡人员摸排" in page
    assert 'data-stat="left">1</span> 户' in page  # A-102; A-101 visited, B-201 not theirs
    assert reverse("screening:visit_start", args=[c.pk]) in page
    client.force_login(users["community"])
    assert 'data-stat="left">2</span> 户' in client.get(reverse("home")).content.decode()
    client.force_login(users["grid_c"])  # the campaign does not cover 米易
    assert "湖北返乡人员摸排" not in client.get(reverse("home")).content.decode()
    close_campaign(actor=users["street"], campaign=c)
    client.force_login(users["grid_a"])
    assert "湖北返乡人员摸排" not in client.get(reverse("home")).content.decode()


def community_campaign(users, areas, **extra):
    """The community's own campaign, running beside the street's over the same households."""
    return create_campaign(
        actor=users["community"],
        area=areas["community"],
        title="境外返回人员摸排",
        starts_on=today() - DAY,
        due_on=today() + 3 * DAY,
        **extra,
    )


def test_campaigns_running_over_the_same_households_count_in_household_visits(
    client, users, areas, campaign
):
    """A community's own campaign beside the street's: every household is a visit to make
    for each, so the dashboard counts 户次 and says so (it said 户数 and showed more
    households than the street has)."""
    from fangkong.dashboard.figures import figure_values

    own = community_campaign(users, areas, origin_filter="境外")
    record_visit(
        actor=users["grid_b"],
        campaign=own,
        household=campaign["b1"],
        outcome="visited",
        people_found=2,
        new_people=0,
    )
    keys = ["screening_households", "screening_visited", "screening_coverage"]
    # The street has 3 households (a1, a2, b1), all under both campaigns.
    assert figure_values(users["street"], areas["street"], timezone.localdate(), keys) == {
        "screening_households": 6,
        "screening_visited": 2,
        "screening_coverage": Decimal("33.3"),
    }
    client.force_login(users["street"])
    page = client.get(reverse("dashboard:dashboard")).content.decode()
    assert "摸排目标户次" in page and "已入户户次" in page
    assert "摸排目标户数" not in page


def test_a_person_found_by_two_running_campaigns_is_one_person_found(users, areas, campaign):
    """The figures count persons to follow up, not findings (it counted 2 for one man)."""
    from fangkong.dashboard.figures import figure_values

    own = community_campaign(users, areas)
    returnee = make_resident(areas["grid_a"], name="张三", household=campaign["a1"])
    inflow = make_resident(areas["grid_b"], name="李四", household=campaign["b1"])
    for c in (campaign["campaign"], own):
        record_finding(actor=users["grid_a"], campaign=c, resident=returnee, kind="returnee")
    record_finding(actor=users["grid_b"], campaign=own, resident=inflow, kind="inflow")
    assert Finding.objects.count() == 3
    keys = ["screening_found", "screening_returnees"]
    assert figure_values(users["street"], areas["street"], today(), keys) == {
        "screening_found": 2,
        "screening_returnees": 1,
    }
    # A grid worker's figures: their grid's person only.
    assert figure_values(users["grid_b"], areas["grid_b"], today(), keys) == {
        "screening_found": 1,
        "screening_returnees": 0,
    }
