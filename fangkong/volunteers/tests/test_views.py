"""Pages per role: content, scoping (404 across areas), masking, exports, the public sign-up
with its rate limit, the volunteer's own task page, certificates."""

import datetime
import io
import random

import openpyxl
import pytest
from django.core.cache import cache
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.volunteers import services
from fangkong.volunteers.choices import AssignmentState, PoolState
from fangkong.volunteers.models import Assignment, Shift, Volunteer
from fangkong.volunteers.testing import signup_form

from .conftest import give_account, make_need, make_volunteer, running_now

pytestmark = pytest.mark.django_db
FREE = {"available_days": "每天", "available_times": "全天"}
rng = random.Random(9)


@pytest.fixture
def pool(areas, users):
    cmd = users["command"]
    return {
        "a": make_volunteer(cmd, areas["grid_a"], "张三", skills="医疗护理", **FREE),
        "b": make_volunteer(cmd, areas["grid_b"], "李四", **FREE),
        "c": make_volunteer(cmd, areas["grid_c"], "王五", **FREE),
    }


def test_list_is_scoped_masked_and_query_bounded(
    client, users, pool, django_assert_max_num_queries
):
    client.force_login(users["community"])
    with django_assert_max_num_queries(12):
        html = client.get("/volunteers/").content.decode()
    assert "张三" in html and "李四" in html and "王五" not in html
    assert pool["a"].phone not in html
    assert pool["a"].phone[:3] + "****" + pool["a"].phone[-4:] in html


def test_detail_across_scope_is_404(client, users, pool):
    client.force_login(users["grid_a"])
    assert client.get(f"/volunteers/{pool['a'].pk}/").status_code == 200
    assert client.get(f"/volunteers/{pool['b'].pk}/").status_code == 404


def test_export_is_masked_and_scoped(client, users, pool):
    client.force_login(users["community"])
    response = client.get("/volunteers/?export=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    names = sorted(r[0] for r in rows[1:] if r[0])
    assert names == ["张三", "李四"]
    assert pool["a"].id_number not in str(rows)


def test_availability_edited_in_an_export_is_imported_back(client, users, pool, tmp_path):
    """The export wrote 可服务时间 "周一、周二… 上午(6-12时)" in one column that the import
    ignored: a community correcting availability in its exported list lost every change."""
    from fangkong.core.importing import run_import

    client.force_login(users["community"])
    response = client.post("/volunteers/", {"export": "xlsx", "purpose": "核对志愿者"})
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert "可服务时间" not in header
    days, times = header.index("可服务日") + 1, header.index("可服务时段") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "张三")
    ws.cell(row, days).value = "周一、周三"
    ws.cell(row, times).value = "上午(6-12时)、晚上(18-24时)"
    path = tmp_path / "export.xlsx"
    wb.save(path)
    result = run_import(
        "volunteers.volunteer", path, actor=users["community"], area=users["community"].area
    )
    assert [e.message for e in result.errors] == []
    assert result.warnings == ["以下列无法识别，已忽略：累计服务时长(小时)"]
    assert (result.updated, result.unchanged) == (1, 1)
    pool["a"].refresh_from_db()
    assert (pool["a"].available_days, pool["a"].available_times) == (",1,3,", ",am,ev,")


def test_staff_add_form_shows_chinese_errors_and_writes_nothing(client, users, areas):
    client.force_login(users["community"])
    response = client.post(
        "/volunteers/add/",
        {"area": areas["grid_a"].pk, "name": "赵六", "id_number": "123", "phone": "abc"},
    )
    assert response.status_code == 200
    assert "身份证号" in response.content.decode()
    assert Volunteer.objects.count() == 0


def test_staff_add_and_review_a_pending_volunteer(client, users, areas):
    v, _ = services.sign_up_volunteer(
        data={
            "area": areas["community"],
            "name": "赵六",
            "id_number": factories.make_id_number(rng=rng),
            "phone": factories.make_phone(rng),
        }
    )
    client.force_login(users["community"])
    html = client.get("/volunteers/?state=pending").content.decode()
    assert "赵六" in html
    client.post(f"/volunteers/{v.pk}/review/", {"state": "reserve", "version": "1"})
    v.refresh_from_db()
    assert v.state == PoolState.RESERVE


def test_volunteer_role_sees_only_their_own_record_and_no_staff_pages(client, users, pool):
    user = give_account(users["community"], pool["a"])
    client.force_login(user)
    html = client.get("/volunteers/").content.decode()
    assert "张三" in html and "李四" not in html
    assert client.get(f"/volunteers/{pool['b'].pk}/").status_code == 404
    for url in (
        "/volunteers/needs/",
        "/volunteers/add/",
        "/volunteers/teams/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/volunteers/?export=xlsx").status_code == 403


def test_public_sign_up_creates_then_merges_with_the_same_answer(client, areas):
    cache.clear()
    data = signup_form(areas["community"], rng, skills=["medical"])
    first = client.post("/volunteers/signup/", data)
    second = client.post("/volunteers/signup/", data | {"skills": ["driving"]})
    assert first.status_code == second.status_code == 200
    assert "报名已提交" in first.content.decode() and "报名已提交" in second.content.decode()
    (v,) = Volunteer.objects.all()
    assert (v.state, v.skills) == (PoolState.PENDING, ",medical,driving,")
    assert first["Cache-Control"] == "no-store"


def test_public_sign_up_does_not_promise_an_update_it_does_not_make(client, areas):
    """The page said a repeat sign-up “只会更新原报名信息”; a resident who signed up again
    with a new phone believed it changed. A repeat sign-up never changes who the volunteer
    is or how to reach them (anyone may type anyone's ID number): the page now says what
    happens — skills and times are added, other changes are checked with the person."""
    page = client.get("/volunteers/signup/").content.decode()
    assert "只会更新原报名信息" not in page
    assert "再次报名不会重复登记" in page and "社区会与您本人核实后修改" in page


def test_public_sign_up_asks_for_the_community_in_words(client, areas):
    page = client.get("/volunteers/signup/").content.decode()
    assert '<option value="" selected>请选择所在社区</option>' in page
    assert "---------" not in page


def test_public_sign_up_requires_csrf(areas):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/volunteers/signup/", {"name": "x"})
    assert response.status_code == 403


def test_public_sign_up_is_rate_limited_per_client_address(client, areas):
    """Accepted sign-ups count; a visitor's typing mistakes do not lock them out."""
    cache.clear()
    for _ in range(8):
        assert client.post("/volunteers/signup/", {"name": ""}).status_code == 200
    for _ in range(5):
        data = signup_form(areas["community"], rng)
        assert "报名已提交" in client.post("/volunteers/signup/", data).content.decode()
    response = client.post("/volunteers/signup/", {"name": ""})
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    other = client.post("/volunteers/signup/", {"name": ""}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_need_page_proposes_and_dispatches(client, users, areas, pool):
    need = make_need(users["community"], areas["grid_a"], required_skills="")
    client.force_login(users["community"])
    html = client.get(f"/volunteers/needs/{need.pk}/").content.decode()
    assert html.index("张三") < html.index("李四")  # same grid ranks first
    assert "王五" not in html  # outside the community
    assert "距离：同一网格" in html
    client.post(f"/volunteers/needs/{need.pk}/dispatch/", {"volunteers": [pool["a"].pk]})
    (a,) = Assignment.objects.all()
    assert (a.volunteer, a.state) == (pool["a"], AssignmentState.OFFERED)


def test_batch_form_dispatches_to_several_needs(client, users, areas, pool):
    n1 = make_need(users["community"], areas["grid_a"], "东门", headcount=1)
    n2 = make_need(users["community"], areas["grid_b"], "西门", headcount=1)
    client.force_login(users["community"])
    response = client.post(
        "/volunteers/batches/add/", {"name": "首批", f"need_{n1.pk}": 1, f"need_{n2.pk}": 1}
    )
    assert response.status_code == 302
    assert sorted(Assignment.objects.values_list("need__title", "volunteer__name")) == [
        ("东门", "张三"),
        ("西门", "李四"),
    ]


def test_my_tasks_accept_check_in_and_out_at_phone_page(client, users, areas, pool):
    cmd = users["community"]
    user = give_account(cmd, pool["a"])
    other_user = give_account(cmd, pool["b"])
    need = make_need(cmd, areas["grid_a"], **running_now())
    (mine,) = services.dispatch(actor=cmd, need=need, volunteers=[pool["a"]])
    (theirs,) = services.dispatch(actor=cmd, need=need, volunteers=[pool["b"]])
    client.force_login(user)
    html = client.get("/volunteers/my/").content.decode()
    assert need.title in html and f'data-task="{theirs.pk}"' not in html
    # Someone else's task is not found at all.
    assert (
        client.post(f"/volunteers/tasks/{theirs.pk}/respond/", {"answer": "accept"}).status_code
        == 404
    )
    client.post(f"/volunteers/tasks/{mine.pk}/respond/", {"answer": "accept"})
    client.post(f"/volunteers/tasks/{mine.pk}/check-in/", {"next": "my"})
    shift = Shift.objects.get()
    Shift.objects.filter(pk=shift.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=2)
    )
    client.post(f"/volunteers/shifts/{shift.pk}/check-out/", {"next": "my"})
    shift.refresh_from_db()
    assert shift.minutes in (119, 120)
    assert "累计服务 2.0 小时" in client.get("/volunteers/my/").content.decode()
    theirs.refresh_from_db()
    assert theirs.state == AssignmentState.OFFERED
    client.force_login(other_user)
    assert need.title in client.get("/volunteers/my/").content.decode()


def test_my_tasks_put_the_post_of_now_first_and_offer_check_in_only_while_open(
    client, users, areas, pool
):
    """A volunteer at the checkpoint found today's task under tomorrow's (newest first), and
    tomorrow's or last week's 签到 button only answered with an error."""
    cmd = users["community"]
    user = give_account(cmd, pool["a"])
    now = timezone.now()
    day = datetime.timedelta(days=1)
    needs = {
        "past": make_need(cmd, areas["grid_a"], "上周卡点"),
        "later": make_need(
            cmd,
            areas["grid_a"],
            "后天卡点",
            starts_at=now + 2 * day,
            ends_at=now + 2 * day + day / 2,
        ),
        "tomorrow": make_need(
            cmd, areas["grid_a"], "明天卡点", starts_at=now + day, ends_at=now + day + day / 2
        ),
        "now": make_need(cmd, areas["grid_a"], "今天卡点", **running_now()),
    }
    tasks = {}
    for key, need in needs.items():
        (tasks[key],) = services.dispatch(actor=cmd, need=need, volunteers=[pool["a"]])
        services.respond_assignment(actor=user, assignment=tasks[key], accept=True)
    client.force_login(user)
    html = client.get("/volunteers/my/").content.decode()
    order = sorted(tasks, key=lambda k: html.index(f'data-task="{tasks[k].pk}"'))
    assert order == ["now", "tomorrow", "later", "past"]
    cards = {k: html[html.index(f'data-task="{tasks[k].pk}"') :] for k in tasks}
    cards = {k: v[: v.index("</div>\n  </div>")] for k, v in cards.items()}
    assert "/check-in/" in cards["now"]
    opens = timezone.localtime(needs["tomorrow"].starts_at - datetime.timedelta(hours=2))
    assert f"{opens:%m-%d %H:%M} 起可签到" in cards["tomorrow"]
    assert "/check-in/" not in cards["tomorrow"] and "/check-in/" not in cards["later"]
    assert "岗位已结束，本任务服务 0.0 小时" in cards["past"] and "/check-in/" not in cards["past"]


def test_a_volunteers_home_page_leads_to_their_tasks(client, users, areas, pool):
    """On a phone the menu is folded away: the volunteer's home page showed only 我的账号, so
    a task waiting for an answer was two menus away. It now counts and links their tasks."""
    cmd = users["community"]
    user = give_account(cmd, pool["a"])
    need = make_need(cmd, areas["grid_a"])
    services.dispatch(actor=cmd, need=need, volunteers=[pool["a"], pool["b"]])
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'href="/volunteers/my/"' in html[html.index("<main") :]
    assert '<div class="fs-5 fw-semibold" data-stat="offered">1</div>' in html
    assert '<div class="fs-5 fw-semibold" data-stat="accepted">0</div>' in html
    # Staff keep their own panel.
    client.force_login(cmd)
    html = client.get("/").content.decode()
    assert 'data-stat="offered"' not in html and 'data-stat="volunteers"' in html


def test_staff_see_acceptance_state(client, users, areas, pool):
    cmd = users["community"]
    user = give_account(cmd, pool["a"])
    need = make_need(cmd, areas["grid_a"])
    (a,) = services.dispatch(actor=cmd, need=need, volunteers=[pool["a"]])
    services.respond_assignment(
        actor=user, assignment=Assignment.objects.get(pk=a.pk), accept=False, reason="出差"
    )
    client.force_login(cmd)
    html = client.get("/volunteers/tasks/").content.decode()
    assert "已拒绝" in html and "出差" in html


def test_certificate_pdf_only_above_the_threshold(client, users, areas, pool, settings):
    settings.FANGKONG_VOLUNTEER_CERTIFICATE_HOURS = 2
    cmd = users["community"]
    user = give_account(cmd, pool["a"])
    need = make_need(cmd, areas["grid_a"], **running_now())
    (a,) = services.dispatch(actor=cmd, need=need, volunteers=[pool["a"]])
    a = Assignment.objects.get(pk=a.pk)
    services.respond_assignment(actor=user, assignment=a, accept=True)
    start = timezone.now() - datetime.timedelta(hours=3)
    shift = services.check_in(actor=cmd, assignment=a, at=start)
    client.force_login(cmd)
    assert client.get(f"/volunteers/{pool['a'].pk}/certificate.pdf").status_code == 404
    services.check_out(actor=cmd, shift=shift, at=start + datetime.timedelta(hours=2))
    listing = client.get("/volunteers/certificates/").content.decode()
    assert "张三" in listing and "李四" not in listing
    response = client.get(f"/volunteers/{pool['a'].pk}/certificate.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_service_records_of_one_week_export_for_the_streets_report(client, users, areas, pool):
    """The street's weekly report needs last week's service hours; the list filtered from a
    date only, so its export ran on to today."""
    from .conftest import at

    cmd = users["community"]
    user = give_account(cmd, pool["a"])
    for day, title in ((1, "周一卡点"), (7, "周日卡点"), (8, "下周一卡点")):
        need = make_need(cmd, areas["grid_a"], title, starts_at=at(day, 9), ends_at=at(day, 11))
        (task,) = services.dispatch(actor=cmd, need=need, volunteers=[pool["a"]])
        services.respond_assignment(actor=user, assignment=task, accept=True)
        shift = services.check_in(actor=cmd, assignment=task, at=at(day, 9))
        services.check_out(actor=cmd, shift=shift, at=at(day, 10, 30))
    client.force_login(cmd)
    response = client.get(
        "/volunteers/shifts/",
        {"started_after": "2026-11-23", "started_before": "2026-11-29", "export": "xlsx"},
    )
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    needs = sorted(r[rows[0].index("岗位")] for r in rows[1:] if r[0])
    assert needs == ["周一卡点", "周日卡点"]
    assert [r[rows[0].index("服务时长(小时)")] for r in rows[1:] if r[0]] == [1.5, 1.5]


def test_staff_record_a_service_from_the_paper_sign_in_sheet(client, users, areas, pool):
    """A checkpoint's volunteers signed a paper sheet instead of checking in on a phone: the
    coordinator could press 签到 only at the present moment, so those hours were lost."""
    from .conftest import at

    cmd = users["community"]
    user = give_account(cmd, pool["a"])
    need = make_need(cmd, areas["grid_a"], "东门卡点", starts_at=at(1, 8), ends_at=at(1, 12))
    (task,) = services.dispatch(actor=cmd, need=need, volunteers=[pool["a"]])
    services.respond_assignment(actor=user, assignment=task, accept=True)
    url = f"/volunteers/tasks/{task.pk}/record/"
    client.force_login(cmd)
    assert url in client.get(f"/volunteers/needs/{need.pk}/").content.decode()
    page = client.post(
        url, {"started_at": "2026-11-23T08:00", "ended_at": "2026-11-23T11:30"}, follow=True
    )
    assert "已补录 张三 的服务 3.5 小时" in page.content.decode()
    assert list(Shift.objects.values_list("started_at", "ended_at", "minutes")) == [
        (at(1, 8), at(1, 11, 30), 210)
    ]
    # The same hours again, or overlapping them, would count twice.
    page = client.post(
        url, {"started_at": "2026-11-23T11:00", "ended_at": "2026-11-23T12:00"}, follow=True
    )
    assert "该志愿者在这段时间已有服务记录" in page.content.decode()
    # Outside the post's hours, as a check-in would be.
    page = client.post(
        url, {"started_at": "2026-11-23T12:30", "ended_at": "2026-11-23T13:00"}, follow=True
    )
    assert "不能再签到" in page.content.decode()
    # A sheet's time still to come (a slip of the date) names the time at fault.
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    page = client.post(
        url,
        {"started_at": "2026-11-23T11:30", "ended_at": f"{tomorrow:%Y-%m-%dT%H:%M}"},
        follow=True,
    )
    assert "签退时间不能晚于当前时间" in page.content.decode()
    # The volunteer cannot credit themselves with hours.
    client.force_login(user)
    assert (
        client.post(
            url, {"started_at": "2026-11-23T11:30", "ended_at": "2026-11-23T12:00"}
        ).status_code
        == 403
    )
    assert Shift.objects.count() == 1


def test_post_page_offers_check_in_only_while_it_is_open(client, users, areas, pool):
    """Staff at the post's page pressed 签到 for tomorrow's post or a finished one and got
    only an error; the page says when check-in opens, and a finished post offers 补录."""
    cmd = users["community"]
    user = give_account(cmd, pool["a"])
    now = timezone.now()
    day = datetime.timedelta(days=1)
    needs = {
        "now": make_need(cmd, areas["grid_a"], "今天卡点", **running_now()),
        "tomorrow": make_need(
            cmd, areas["grid_a"], "明天卡点", starts_at=now + day, ends_at=now + day + day / 2
        ),
        "past": make_need(cmd, areas["grid_a"], "上周卡点"),
    }
    pages = {}
    client.force_login(cmd)
    for key, need in needs.items():
        (task,) = services.dispatch(actor=cmd, need=need, volunteers=[pool["a"]])
        services.respond_assignment(actor=user, assignment=task, accept=True)
        pages[key] = client.get(f"/volunteers/needs/{need.pk}/").content.decode()
    assert "/check-in/" in pages["now"]
    opens = timezone.localtime(needs["tomorrow"].starts_at - datetime.timedelta(hours=2))
    assert (
        "/check-in/" not in pages["tomorrow"]
        and f"{opens:%m-%d %H:%M} 起可签到" in pages["tomorrow"]
    )
    assert "/check-in/" not in pages["past"] and "/record/" in pages["past"]


def test_a_daily_post_is_copied_to_the_next_day(client, users, areas, pool):
    """A checkpoint staffed every day of the week had to be typed in seven times, field by
    field; its page now opens the add form filled in for the next day."""
    from .conftest import at

    cmd = users["community"]
    need = make_need(
        cmd,
        areas["grid_a"],
        "东门卡点",
        starts_at=at(1, 8),
        ends_at=at(1, 20),
        required_skills="秩序维护",
        headcount=3,
    )
    client.force_login(cmd)
    assert (
        f"/volunteers/needs/add/?copy={need.pk}"
        in client.get(f"/volunteers/needs/{need.pk}/").content.decode()
    )
    form = client.get(f"/volunteers/needs/add/?copy={need.pk}").context["form"]
    assert form.initial["title"] == "东门卡点"
    assert form.initial["required_skills"] == ["order"]
    assert (form.initial["starts_at"], form.initial["ends_at"]) == (at(2, 8), at(2, 20))
    html = str(form["starts_at"]) + str(form["area"])
    assert 'value="2026-11-24T08:00"' in html
    assert f'value="{areas["grid_a"].pk}" selected' in html
    # Another community's post is not copied.
    theirs = make_need(users["command"], areas["miyi_community"], "迷阳卡点")
    assert client.get(f"/volunteers/needs/add/?copy={theirs.pk}").status_code == 404


def test_every_staff_page_renders(client, users, areas, pool):
    need = make_need(users["community"], areas["grid_a"])
    team = services.create_team(
        actor=users["community"],
        area=areas["community"],
        name="突击队",
        kind="commando",
        members=[pool["a"]],
    )
    batch = services.dispatch_batch(actor=users["community"], name="首批", needs=[(need, 1)])
    client.force_login(users["community"])
    for url in (
        "/volunteers/",
        "/volunteers/add/",
        f"/volunteers/{pool['a'].pk}/edit/",
        f"/volunteers/{pool['a'].pk}/account/",
        "/volunteers/import/",
        "/volunteers/party-reports/",
        "/volunteers/needs/",
        "/volunteers/needs/add/",
        f"/volunteers/needs/{need.pk}/",
        f"/volunteers/needs/{need.pk}/edit/",
        "/volunteers/batches/",
        "/volunteers/batches/add/",
        f"/volunteers/batches/{batch.pk}/",
        "/volunteers/tasks/",
        "/volunteers/shifts/",
        "/volunteers/teams/",
        "/volunteers/teams/add/",
        f"/volunteers/teams/{team.pk}/",
        "/volunteers/certificates/",
        "/volunteers/signup/",
        "/",
    ):
        assert client.get(url).status_code == 200, url
