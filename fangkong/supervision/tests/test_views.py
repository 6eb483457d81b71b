"""Supervision pages per role: lists, details, the state machine on the page, photos served
only in scope, the daily summary page and its Excel export."""

import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.status.clock import local_date
from fangkong.supervision import services
from fangkong.supervision.models import Photo, Problem, ProblemSummary, Visit

from .conftest import TODAY
from .test_visits import png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def many_problems(areas, inspector, group):
    for i in range(8):
        services.create_problem(
            actor=inspector,
            group=group,
            area=areas["grid_a"] if i % 2 else areas["community"],
            title=f"问题{i}",
            deadline=TODAY + datetime.timedelta(days=i),
            found_on=TODAY,
        )


def _xlsx(response):
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [[c.value for c in row] for row in book.active.iter_rows()]


def test_problem_list_scoped_with_pinned_queries(
    client, users, areas, many_problems, django_assert_num_queries
):
    client.force_login(users["community"])
    client.get(reverse("supervision:problem_list"))
    # session, user, role perms (2), user's area, count, rows, area choices
    with django_assert_num_queries(8):
        r = client.get(reverse("supervision:problem_list"))
    assert r.context["page"].paginator.count == 8
    client.force_login(factories.make_user("community", areas["miyi_community"]))
    other = client.get(reverse("supervision:problem_list"))
    assert other.context["page"].paginator.count == 0
    assert "问题0" not in other.content.decode()


def test_overdue_filter_and_export(client, users, many_problems):
    client.force_login(users["command"])
    url = reverse("supervision:problem_list")
    rows = _xlsx(client.get(url + "?export=xlsx"))
    assert rows[0][:4] == ["问题", "责任单位", "上级区域", "严重程度"]
    assert len(rows) == 9
    overdue = client.get(url + "?overdue=true").content.decode()
    assert "问题0" in overdue  # deadline 2020-02-19 has long passed: every one is overdue


def test_problem_page_offers_only_allowed_steps_and_runs_them(client, users, inspector, problem):
    detail = reverse("supervision:problem_detail", args=[problem.pk])
    client.force_login(users["community"])
    page = client.get(detail).content.decode()
    assert "提交整改" in page and "核查通过，销号" not in page
    r = client.post(
        reverse("supervision:problem_action", args=[problem.pk, "rectify"]),
        {"note": "已整改到位", "version": 1, "photos": [png()]},
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    assert problem.state == "submitted"
    photo = Photo.objects.get()
    assert (photo.kind, photo.problem, photo.event.action) == ("rectification", problem, "rectify")
    # A refused step leaves a Chinese message and changes nothing.
    client.force_login(inspector)
    r = client.post(
        reverse("supervision:problem_action", args=[problem.pk, "reopen"]),
        {"note": "", "version": 2},
        follow=True,
    )
    assert "请填写退回原因" in r.content.decode()
    problem.refresh_from_db()
    assert problem.state == "submitted"


def test_refused_rectification_keeps_the_typed_note_and_says_which_field(
    client, settings, users, problem
):
    """The unit types its 整改情况 on a phone and adds a photo the server refuses: the page
    comes back with the note still in the box and the reason under the photo field — not
    an empty form on the problem page with the reason in a banner."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.FANGKONG_MAX_PHOTO_BYTES = 2 * 1024
    note = "已补齐3月5日以来的卡点登记台账，安排专人每日核对，并对值守人员进行了培训。"
    client.force_login(users["community"])
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * 4096, content_type="image/jpeg")
    r = client.post(
        reverse("supervision:problem_action", args=[problem.pk, "rectify"]),
        {"note": note, "version": 1, "photos": [big]},
    )
    assert r.status_code == 200
    form = r.context["action_form"]
    assert form["note"].value() == note
    assert form.errors["photos"] == ["照片不能超过 2 KB", "页面退回后照片不能保留，请重新选择照片"]
    page = r.content.decode()
    assert note in page and "提交整改" in page
    problem.refresh_from_db()
    assert (problem.state, problem.version, Photo.objects.count()) == ("open", 1, 0)
    # Sent again with a photo that passes, the same step goes through.
    r = client.post(
        reverse("supervision:problem_action", args=[problem.pk, "rectify"]),
        {"note": note, "version": 1, "photos": [png()]},
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    assert (problem.state, Photo.objects.count()) == ("submitted", 1)


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_area_choices_on_the_phone_forms_read_as_a_tree(client, users, inspector, areas):
    """Two communities of the same name (a city has several 高峰社区, 城南社区) were two
    identical lines in the inspector's 检查区域 and 责任单位 drop-downs; they now read
    under their streets, indented by level like every other area field."""
    factories.area("510421100002", "海棠花语社区", 4, areas["miyi_street"])
    client.force_login(inspector)
    expected = [
        "---------",
        "攀枝花市",
        "\u3000仁和区",
        "\u3000\u3000仁和街道",
        "\u3000\u3000\u3000海棠花语社区",
        "\u3000米易县",
        "\u3000\u3000攀莲镇",
        "\u3000\u3000\u3000迷阳水岸社区",
        "\u3000\u3000\u3000海棠花语社区",
    ]
    visit = client.get(reverse("supervision:visit_add")).content.decode()
    assert _options(visit, "area") == expected
    problem = client.get(reverse("supervision:problem_add")).content.decode()
    assert _options(problem, "area") == expected
    client.force_login(users["command"])  # tasks are planned by the command office
    task = client.get(reverse("supervision:task_add")).content.decode()
    assert _options(task, "area") == expected


def test_photos_are_served_only_to_signed_in_staff_in_scope(client, users, areas, problem):
    services.rectify_problem(actor=users["community"], problem=problem, note="x", photos=[png()])
    url = reverse("supervision:photo", args=[Photo.objects.get().pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous.url
    client.force_login(users["community"])
    ok = client.get(url)
    assert ok.status_code == 200 and ok["Content-Type"] == "image/jpeg"
    assert ok["Cache-Control"] == "private, no-store"
    client.force_login(factories.make_user("community", areas["miyi_community"]))
    assert client.get(url).status_code == 404


def test_visit_sent_back_says_its_photos_must_be_chosen_again(client, inspector, group, areas):
    """The inspector attaches photos and forgets the 整改期限: the page came back with the
    deadline's message and an empty photo input, without a word, and the visit was then
    saved without its photos. The photo field now says they must be chosen again."""
    client.force_login(inspector)
    r = client.post(
        reverse("supervision:visit_add"),
        {
            "group": group.pk,
            "area": areas["community"].pk,
            "target_kind": "area",
            "mode": "unannounced",
            "visited_on": TODAY.isoformat(),
            "summary": "卡点登记不全",
            "finding_1_title": "卡点无人值守",
            "finding_1_severity": "high",
            "finding_2_severity": "low",
            "finding_3_severity": "low",
            "photos": [png(), png("b.png")],
        },
    )
    assert r.status_code == 200
    form = r.context["form"]
    assert form.errors["finding_1_deadline"] == ["请填写整改期限"]
    assert form.errors["photos"] == ["页面退回后照片不能保留，请重新选择照片"]
    assert form["summary"].value() == "卡点登记不全"
    assert (Visit.objects.count(), Photo.objects.count()) == (0, 0)


def test_visit_form_on_a_phone_records_everything(client, inspector, group, areas):
    checklist = services.create_checklist(
        actor=factories.make_user("command", areas["city"]),
        data={"name": "清单", "area": areas["city"], "items": ["卡点值守"]},
    )
    item = checklist.items.get()
    client.force_login(inspector)
    url = reverse("supervision:visit_add") + f"?checklist={checklist.pk}"
    assert "卡点值守" in client.get(url).content.decode()
    r = client.post(
        url,
        {
            "group": group.pk,
            "area": areas["community"].pk,
            "target_kind": "area",
            "mode": "unannounced",
            "visited_on": TODAY.isoformat(),
            f"item_{item.pk}": "problem",
            f"note_{item.pk}": "无人",
            "finding_1_title": "卡点无人值守",
            "finding_1_severity": "high",
            "finding_1_deadline": (TODAY + datetime.timedelta(days=1)).isoformat(),
            "finding_2_severity": "low",
            "finding_3_severity": "low",
            "_checklist": checklist.pk,
            "photos": [png(), png("b.png")],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    visit = Visit.objects.get()
    assert (visit.mode, visit.photos.count(), visit.problems.count()) == ("unannounced", 2, 1)


def test_visit_form_finding_without_deadline_is_named(client, inspector, group, areas):
    client.force_login(inspector)
    r = client.post(
        reverse("supervision:visit_add"),
        {
            "group": group.pk,
            "area": areas["community"].pk,
            "target_kind": "area",
            "mode": "announced",
            "visited_on": TODAY.isoformat(),
            "finding_1_title": "x",
            "finding_1_severity": "low",
            "finding_2_severity": "low",
            "finding_3_severity": "low",
        },
    )
    assert "请填写整改期限" in r.content.decode()
    assert Visit.objects.count() == 0


def test_summary_page_export_and_store(client, users, areas, problem):
    client.force_login(users["street"])
    url = reverse("supervision:summary")
    query = f"?date={TODAY.isoformat()}&area={areas['street'].pk}"
    page = client.get(url + query).content.decode()
    assert "海棠花语社区" in page
    rows = _xlsx(client.get(url + query + "&export=xlsx"))
    assert rows[0] == [
        "上级区域",
        "责任单位",
        "区划代码",
        "当日新增",
        "当日销号",
        "未销号",
        "逾期",
        "已升级",
    ]
    assert rows[1] == ["仁和街道", "海棠花语社区", "510411001001", 1, 0, 1, 0, 0]
    r = client.post(url + query, {"date": TODAY.isoformat(), "area": areas["street"].pk})
    stored = ProblemSummary.objects.get()
    assert r.url == reverse("supervision:summary_detail", args=[stored.pk])
    assert (stored.area, stored.generated_by) == (areas["street"], users["street"])
    # Another district cannot read the stored summary.
    client.force_login(factories.make_user("street", areas["miyi_street"]))
    assert client.get(r.url).status_code == 404


def test_summary_page_stores_nothing_for_a_refused_date_or_area(client, users, areas, problem):
    """A day to come, or an area outside the user's, is refused on the page and on 生成并保存:
    nothing is stored (before, the POST stored today's summary of the user's own area)."""
    client.force_login(users["street"])
    url = reverse("supervision:summary")
    future = (local_date(timezone.now()) + datetime.timedelta(days=1)).isoformat()
    page = client.get(url, {"date": future, "area": areas["street"].pk})
    assert page.context["form"].errors == {"date": ["汇总日期不能晚于今天"]}
    r = client.post(url, {"date": future, "area": areas["street"].pk})
    assert r.status_code == 200
    assert r.context["form"].errors == {"date": ["汇总日期不能晚于今天"]}
    r = client.post(url, {"date": TODAY.isoformat(), "area": areas["miyi_street"].pk})
    assert r.status_code == 200 and "area" in r.context["form"].errors
    assert ProblemSummary.objects.count() == 0
    # Nor is another day's or area's summary exported in their stead.
    for refused in ({"date": future, "area": areas["street"].pk}, {"area": areas["miyi"].pk}):
        r = client.get(url, {**refused, "export": "xlsx"})
        assert r.status_code == 200 and "Content-Disposition" not in r
        assert r.context["form"].errors


def test_group_pages(client, users, group, areas):
    client.force_login(users["command"])
    assert "第一督导组" in client.get(reverse("supervision:group_list")).content.decode()
    detail = client.get(reverse("supervision:group_detail", args=[group.pk])).content.decode()
    assert "仁和街道" in detail
    r = client.post(
        reverse("supervision:group_add"),
        {"name": "第二督导组", "area": areas["city"].pk, "assigned_areas": [areas["miyi"].pk]},
    )
    assert r.status_code == 302
    assert Problem.objects.count() == 0


def test_home_panel_shows_the_users_open_and_overdue_problems(client, users, problem):
    client.force_login(users["community"])
    r = client.get(reverse("home"))
    panel = next(p for p in r.context["panels"] if "problem_counts" in p)
    assert (panel["problem_counts"]["open"], panel["problem_counts"]["overdue"]) == (1, 1)
    client.force_login(users["volunteer"])
    r = client.get(reverse("home"))
    assert not any("problem_counts" in p for p in r.context["panels"])


def test_finding_deadline_before_the_visit_is_named_by_its_finding(client, inspector, group, areas):
    """Three findings typed on a phone, the second with a 整改期限 before the 检查日期: the page
    came back with “整改期限不能早于发现日期” at the top of the form, not saying which finding
    of the three. It is now under that finding's 整改期限, and nothing is saved."""
    client.force_login(inspector)
    ok = (TODAY + datetime.timedelta(days=3)).isoformat()
    r = client.post(
        reverse("supervision:visit_add"),
        {
            "group": group.pk,
            "area": areas["community"].pk,
            "target_kind": "area",
            "mode": "announced",
            "visited_on": TODAY.isoformat(),
            "finding_1_title": "卡点无人值守",
            "finding_1_severity": "high",
            "finding_1_deadline": ok,
            "finding_2_title": "测温登记不全",
            "finding_2_severity": "low",
            "finding_2_deadline": (TODAY - datetime.timedelta(days=1)).isoformat(),
            "finding_3_severity": "low",
        },
    )
    assert r.status_code == 200
    form = r.context["form"]
    assert form.errors["finding_2_deadline"] == ["整改期限不能早于检查日期"]
    assert form.non_field_errors() == []
    assert "finding_1_deadline" not in form.errors
    assert (Visit.objects.count(), Problem.objects.count()) == (0, 0)


def test_task_chosen_in_the_visit_form_brings_its_checklist_to_fill_in(
    client, users, inspector, group, areas
):
    """The inspector opened 登记检查 from the menu and picked the 督导任务 in its list. The
    task's checklist was not on the page, but saving checked its items: “检查项第 1、2 项未填写
    结果” at the top of a page with no item to fill in, whatever was typed. The page now comes
    back with the task's checklist items to answer, and the visit is saved once they are."""
    checklist = services.create_checklist(
        actor=users["command"],
        data={"name": "卡点检查", "area": areas["city"], "items": ["卡点值守", "测温登记"]},
    )
    task = services.create_task(
        actor=users["command"],
        data={
            "group": group,
            "title": "老街社区暗访",
            "area": areas["community"],
            "mode": "unannounced",
            "planned_date": TODAY,
            "checklist": checklist,
        },
    )
    client.force_login(inspector)
    url = reverse("supervision:visit_add")
    data = {
        "group": group.pk,
        "task": task.pk,
        "area": areas["community"].pk,
        "target_kind": "area",
        "mode": "unannounced",
        "visited_on": TODAY.isoformat(),
        "finding_1_severity": "low",
        "finding_2_severity": "low",
        "finding_3_severity": "low",
    }
    r = client.post(url, data)
    assert r.status_code == 200
    page = r.content.decode()
    assert "卡点值守" in page and "测温登记" in page
    assert "未填写结果" not in page
    assert Visit.objects.count() == 0
    first, second = checklist.items.all()
    data |= {f"item_{first.pk}": "ok", f"item_{second.pk}": "problem", "_task": task.pk}
    r = client.post(url, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    visit = Visit.objects.get()
    assert (visit.task, visit.checklist) == (task, checklist)
    assert list(visit.answers.values_list("result", flat=True)) == ["ok", "problem"]


def test_problem_list_and_export_say_which_problems_are_overdue(client, users, inspector, areas):
    """The command office exports the 问题台账 to follow up late units; the file (and the list)
    had no column saying which problems were past their 整改期限 — only a filter, which the
    Excel could not show. Each row now says 逾期 是/否, as the list's 逾期 filter counts it
    (a closed problem is never overdue), and the export gives the 整改提交时间."""
    today = local_date(timezone.now())
    late = services.create_problem(
        actor=inspector, area=areas["community"], title="迟交", deadline=TODAY, found_on=TODAY
    )
    services.create_problem(
        actor=inspector,
        area=areas["community"],
        title="未到期",
        deadline=today + datetime.timedelta(days=5),
    )
    done = services.create_problem(
        actor=inspector, area=areas["community"], title="已销号", deadline=TODAY, found_on=TODAY
    )
    services.rectify_problem(actor=users["community"], problem=done, note="已整改")
    services.close_problem(actor=inspector, problem=done)
    client.force_login(users["command"])
    url = reverse("supervision:problem_list")
    rows = _xlsx(client.get(url + "?export=xlsx"))
    header = rows[0]
    by_title = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert {t: r["逾期"] for t, r in by_title.items()} == {
        "迟交": "是",
        "未到期": "否",
        "已销号": "否",
    }
    assert by_title["已销号"]["整改提交时间"] and not by_title["迟交"]["整改提交时间"]
    page = client.get(url)
    assert "逾期" in [str(h) for h in page.context["table"].headers]
    overdue_rows = _xlsx(client.get(url + "?overdue=true&export=xlsx"))[1:]
    assert [r[0] for r in overdue_rows] == [late.title]


def test_inspector_sends_a_problem_back_with_a_new_deadline_on_the_page(
    client, users, inspector, problem
):
    """The 退回重新整改 step on the problem page offers a 新整改期限; the unit's page (整改
    only) does not. Typed with 销号, it is refused under the field and nothing changes."""
    services.rectify_problem(actor=users["community"], problem=problem, note="已整改")
    detail = reverse("supervision:problem_detail", args=[problem.pk])
    client.force_login(inspector)
    assert "deadline" in client.get(detail).context["action_form"].fields
    new = local_date(timezone.now()) + datetime.timedelta(days=3)
    r = client.post(
        reverse("supervision:problem_action", args=[problem.pk, "close"]),
        {"note": "", "version": 2, "deadline": new.isoformat()},
    )
    assert r.context["action_form"].errors["deadline"] == ["只有退回重新整改时可以重新设定整改期限"]
    problem.refresh_from_db()
    assert problem.state == "submitted"
    r = client.post(
        reverse("supervision:problem_action", args=[problem.pk, "reopen"]),
        {"note": "复查仍无人值守", "version": 2, "deadline": new.isoformat()},
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    assert (problem.state, problem.deadline) == ("open", new)
    client.force_login(users["community"])
    assert "deadline" not in client.get(detail).context["action_form"].fields


def test_problem_page_shows_the_photos_taken_when_it_was_found(client, inspector, group, areas):
    """The unit opens the problem on a phone to put it right: the photos the inspector took
    on the visit were only on the visit's page, and the problem page showed no picture of
    what was wrong. They are now on the problem page as 检查照片, apart from 整改照片."""
    visit = services.record_visit(
        actor=inspector,
        group=group,
        area=areas["community"],
        visited_on=TODAY,
        photos=[png()],
        findings=[
            {"title": "卡点无人值守", "deadline": TODAY + datetime.timedelta(days=1)},
        ],
    )
    photo = visit.photos.get()
    problem = visit.problems.get()
    community = factories.make_user("community", areas["community"])
    client.force_login(community)
    r = client.get(reverse("supervision:problem_detail", args=[problem.pk]))
    assert r.context["visit_photos"] == [photo]
    page = r.content.decode()
    assert reverse("supervision:photo", args=[photo.pk]) in page
    assert "检查照片" in page


def test_task_list_opens_the_visit_form_for_the_task(client, users, inspector, group, areas):
    """The inspector's planned 督导任务 were listed without a link: the visit had to be
    entered from the menu with the task picked again by hand. A task's title now opens the
    visit form filled in from it, for those who record visits; others see plain text."""
    task = services.create_task(
        actor=users["command"],
        data={
            "group": group,
            "title": "老街社区暗访",
            "area": areas["community"],
            "mode": "unannounced",
            "planned_date": TODAY,
        },
    )
    link = reverse("supervision:visit_add") + f"?task={task.pk}"
    client.force_login(inspector)
    page = client.get(reverse("supervision:task_list")).content.decode()
    assert f'href="{link}"' in page
    form = client.get(link).context["form"]
    assert (form.initial["task"], form.initial["area"], form.initial["mode"]) == (
        task,
        areas["community"],
        "unannounced",
    )
    client.force_login(users["leader"])
    page = client.get(reverse("supervision:task_list")).content.decode()
    assert "老街社区暗访" in page and link not in page


def test_home_panel_figures_open_lists_of_the_same_count(
    client, users, inspector, group, areas, problem
):
    """The home panel's 已升级 counted escalated problems not yet closed, but its link listed
    every problem ever escalated, closed ones too: 1 on the panel, 2 in the list. Each
    figure (未销号, 逾期, 已升级) now opens a list of exactly that many problems."""
    closed = services.create_problem(
        actor=inspector, area=areas["community"], title="已销号", deadline=TODAY, found_on=TODAY
    )
    services.escalate_overdue_problems(today=TODAY + datetime.timedelta(days=5))
    services.rectify_problem(actor=users["community"], problem=closed, note="已整改")
    services.close_problem(actor=inspector, problem=closed)
    client.force_login(users["community"])
    r = client.get(reverse("home"))
    panel = next(p for p in r.context["panels"] if "problem_counts" in p)
    counts = panel["problem_counts"]
    assert (counts["open"], counts["overdue"], counts["escalated"]) == (1, 1, 1)
    page = r.content.decode()
    for key in ("open", "overdue", "escalated"):
        url = panel["links"][key]
        assert f'href="{url.replace("&", "&amp;")}"' in page
        listed = client.get(url).context["page"].paginator.count
        assert listed == counts[key], key


def test_problem_registered_outside_a_visit_keeps_its_photos(client, users, inspector, areas):
    """A problem seen on the street (not on a recorded visit) was registered without any way
    to attach the photos taken of it. The 登记问题 form now takes them; they show on the
    problem page as 检查照片, apart from the unit's 整改照片 sent later."""
    client.force_login(inspector)
    deadline = local_date(timezone.now()) + datetime.timedelta(days=2)
    r = client.post(
        reverse("supervision:problem_add"),
        {
            "area": areas["community"].pk,
            "title": "农贸市场入口未测温",
            "severity": "medium",
            "deadline": deadline.isoformat(),
            "photos": [png(), png("b.png")],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    problem = Problem.objects.get()
    assert [(p.kind, p.area, p.visit) for p in problem.photos.all()] == [
        ("visit", areas["community"], None),
        ("visit", areas["community"], None),
    ]
    services.rectify_problem(
        actor=users["community"], problem=problem, note="已安排专人测温", photos=[png()]
    )
    client.force_login(users["community"])
    r = client.get(reverse("supervision:problem_detail", args=[problem.pk]))
    assert [p.kind for p in r.context["visit_photos"]] == ["visit", "visit"]
    assert [p.kind for p in r.context["photos"]] == ["rectification"]


def test_the_visit_form_offers_the_inspectors_own_groups_tasks_planned_first(
    client, users, inspector, group, areas
):
    """督导任务 offered every visible task, other groups' too (refused only on saving)."""
    other = services.create_group(
        actor=users["command"],
        data={
            "name": "第二督导组",
            "area": areas["city"],
            "members": [users["leader"]],
            "assigned_areas": [areas["community"]],
        },
    )

    def task(title, of, day):
        return services.create_task(
            actor=users["command"],
            data={
                "group": of,
                "title": title,
                "area": areas["community"],
                "mode": "announced",
                "planned_date": day,
            },
        )

    done = task("已完成的任务", group, TODAY - datetime.timedelta(days=3))
    done.state = "done"
    done.save(update_fields=["state"])
    planned = task("待开展的任务", group, TODAY)
    task("别组的任务", other, TODAY)
    client.force_login(inspector)
    form = client.get(reverse("supervision:visit_add")).context["form"]
    assert list(form.fields["task"].queryset) == [planned, done]
