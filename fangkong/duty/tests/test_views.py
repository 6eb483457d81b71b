"""Pages: content per role, 404 across scope, forms with Chinese errors, pinned query counts."""

import io

import openpyxl
import pytest
from django.urls import reverse

from fangkong.accounts.choices import Role
from fangkong.core.testing.factories import make_user
from fangkong.duty import services
from fangkong.duty.models import Handover, Notice, NoticeReceipt, Shift, WorkingGroup

from .conftest import DAY, at

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def notice(areas, users):
    return services.send_notice(
        actor=users["street"],
        sender_area=areas["street"],
        title="关于加强卡点值守的指令",
        body="请各网格今晚 20 时前落实卡点值守。",
        target_areas=[areas["community"]],
        kind="directive",
    )


def test_shift_list_scoped_with_pinned_queries(
    client, areas, users, make_shift, django_assert_max_num_queries
):
    for hour in range(0, 24, 2):
        end = at(hour + 2) if hour < 22 else at(0, day=1)
        make_shift(areas["community"], users["grid_a"], at(hour), end)
    make_shift(areas["miyi_community"], users["grid_c"], at(8), at(20))
    login(client, users["street"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("duty:shift_list"))
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 12
    assert "迷阳水岸社区" not in page.content.decode()


def test_shift_list_shows_who_is_on_duty_now_across_the_street(client, areas, users, make_shift):
    """The street's duty officer needed whoever is on duty now in its communities, to call
    them; the roster listed every shift from the oldest on."""
    import datetime

    from django.utils import timezone

    now = timezone.now().replace(second=0, microsecond=0)
    hour = datetime.timedelta(hours=1)
    make_shift(areas["community"], users["grid_a"], now - 13 * hour, now - hour)
    on_duty = make_shift(areas["community"], users["grid_b"], now - hour, now + 11 * hour)
    make_shift(areas["community"], users["grid_a"], now + 11 * hour, now + 23 * hour)
    login(client, users["street"])
    page = client.get(reverse("duty:shift_list"), {"on_duty_now": "true"})
    assert [s.pk for s in page.context["page"].object_list] == [on_duty.pk]
    page = client.get(reverse("duty:shift_list"), {"on_duty_now": "false"})
    assert page.context["page"].paginator.count == 2


def test_the_roster_opens_on_the_shift_on_duty_now_then_the_next(client, areas, users, make_shift):
    """After a few weeks the roster's first page was all history (ordered by start): now the
    shifts not yet over come first, soonest on top, then past ones, the latest first."""
    import datetime

    from django.utils import timezone

    now = timezone.now().replace(second=0, microsecond=0)
    hour = datetime.timedelta(hours=1)
    oldest = make_shift(areas["community"], users["grid_a"], now - 49 * hour, now - 37 * hour)
    last = make_shift(areas["community"], users["grid_a"], now - 13 * hour, now - hour)
    on_duty = make_shift(areas["community"], users["grid_b"], now - hour, now + 11 * hour)
    later = make_shift(areas["community"], users["grid_a"], now + 35 * hour, now + 47 * hour)
    tonight = make_shift(areas["community"], users["grid_a"], now + 11 * hour, now + 23 * hour)
    login(client, users["street"])
    page = client.get(reverse("duty:shift_list"))
    listed = [s.pk for s in page.context["page"].object_list]
    assert listed == [on_duty.pk, tonight.pk, later.pk, last.pk, oldest.pk]


def test_shift_detail_404_across_scope(client, areas, users, make_shift):
    shift = make_shift(areas["miyi_community"], users["grid_c"], at(8), at(20))
    url = reverse("duty:shift_detail", args=[shift.pk])
    assert login(client, users["street"]).get(url).status_code == 404
    assert login(client, users["command"]).get(url).status_code == 200


def test_shift_form_shows_chinese_error_and_writes_nothing(client, areas, users):
    login(client, users["community"])
    response = client.post(
        reverse("duty:shift_add"),
        {
            "area": areas["community"].pk,
            "person": users["grid_a"].pk,
            "role": "officer",
            "start": "2020-02-14T20:00",
            "end": "2020-02-14T08:00",
        },
    )
    assert response.status_code == 200
    assert "结束时间必须晚于开始时间" in response.content.decode()
    assert Shift.objects.count() == 0
    response = client.post(
        reverse("duty:shift_add"),
        {
            "area": areas["community"].pk,
            "person": users["grid_a"].pk,
            "role": "officer",
            "start": "2020-02-14T20:00",
            "end": "2020-02-15T08:00",
        },
    )
    shift = Shift.objects.get()
    assert response.url == reverse("duty:shift_detail", args=[shift.pk])
    assert (shift.start, shift.end) == (at(20), at(8, day=1))


def test_coverage_page_lists_exact_gaps(client, areas, users, make_shift):
    make_shift(areas["community"], users["grid_a"], at(8), at(20))
    make_shift(areas["community"], users["grid_b"], at(20), at(8, day=1))
    login(client, users["community"])
    page = client.get(
        reverse("duty:coverage"),
        {"area": areas["community"].pk, "day": DAY.isoformat(), "span": "day"},
    )
    assert page.status_code == 200
    [day] = page.context["days"]
    assert day.gaps == [(at(0), at(8))]
    assert "00:00 – 08:00" in page.content.decode()
    week = client.get(
        reverse("duty:coverage"),
        {"area": areas["community"].pk, "day": DAY.isoformat(), "span": "week"},
    )
    assert len(week.context["days"]) == 7
    assert week.context["gap_days"] == 7
    # Another district's unit cannot be chosen.
    out = client.get(reverse("duty:coverage"), {"area": areas["miyi"].pk, "day": DAY.isoformat()})
    assert out.context["days"] == []
    assert out.context["form"].errors["area"]


def test_group_pages(client, areas, users):
    login(client, users["community"])
    response = client.post(
        reverse("duty:group_add"),
        {
            "area": areas["community"].pk,
            "name": "社区疫情防控专班",
            "leader": users["community"].pk,
            "members": [users["grid_a"].pk, users["grid_b"].pk],
        },
    )
    group = WorkingGroup.objects.get()
    assert response.url == reverse("duty:group_detail", args=[group.pk])
    page = client.get(reverse("duty:group_detail", args=[group.pk]))
    assert [m.username for m in page.context["members"]] == ["community", "grid_a", "grid_b"]
    listing = client.get(reverse("duty:group_list"))
    assert "社区疫情防控专班" in listing.content.decode()
    assert login(client, users["grid_c"]).get(reverse("duty:group_list")).status_code == 403


def test_handover_flow_pages(client, areas, users, make_shift):
    make_shift(areas["community"], users["grid_a"], at(8), at(20))
    login(client, users["grid_a"])
    form = client.get(reverse("duty:handover_add"))
    assert areas["community"] in form.context["form"].fields["area"].queryset
    relief = form.context["form"].fields["incoming"].queryset
    assert users["grid_b"] in relief and users["grid_a"] not in relief  # not oneself
    response = client.post(
        reverse("duty:handover_add"),
        {
            "area": areas["community"].pk,
            "incoming": users["grid_b"].pk,
            "notes": "白班平稳",
            "new_items": "送菜\n\n测温枪",
        },
    )
    handover = Handover.objects.get()
    assert response.url == reverse("duty:handover_detail", args=[handover.pk])
    assert [i.text for i in handover.items.all()] == ["送菜", "测温枪"]
    login(client, users["grid_b"])
    page = client.get(reverse("duty:handover_detail", args=[handover.pk]))
    assert page.context["can_acknowledge"] is True
    client.post(reverse("duty:handover_acknowledge", args=[handover.pk]))
    handover.refresh_from_db()
    assert handover.acknowledged_at is not None
    assert (
        login(client, users["grid_c"])
        .get(reverse("duty:handover_detail", args=[handover.pk]))
        .status_code
        == 404
    )  # another district's handover


def test_send_notice_page_and_chinese_errors(client, areas, users):
    login(client, users["street"])
    bad = client.post(
        reverse("duty:notice_add"),
        {
            "sender_area": areas["street"].pk,
            "kind": "notice",
            "title": "通知",
            "body": "正文",
            "target_areas": [areas["miyi"].pk],
        },
    )
    assert bad.status_code == 200
    assert "选择一个有效的选项" in bad.content.decode()  # 米易县 is not offered to this street
    assert Notice.objects.count() == 0
    ok = client.post(
        reverse("duty:notice_add"),
        {
            "sender_area": areas["street"].pk,
            "kind": "directive",
            "title": "指令",
            "body": "正文",
            "target_areas": [areas["community"].pk],
            "target_roles": ["grid_worker"],
        },
    )
    notice = Notice.objects.get()
    assert ok.url == reverse("duty:notice_detail", args=[notice.pk])
    assert sorted(notice.receipts.values_list("user__username", flat=True)) == ["grid_a", "grid_b"]


def test_sender_sees_who_has_and_has_not_acknowledged(client, users, notice):
    services.acknowledge_notice(actor=users["grid_a"], notice=notice)
    login(client, users["street"])
    page = client.get(reverse("duty:notice_detail", args=[notice.pk]))
    report = page.context["report"]
    assert sorted(r.user.username for r in report.pending) == ["community", "grid_b", "volunteer"]
    assert [r.user.username for r in report.acknowledged] == ["grid_a"]
    assert page.context["can_remind"] is True
    client.post(reverse("duty:notice_remind", args=[notice.pk]))
    assert dict(notice.receipts.values_list("user__username", "remind_count")) == {
        "community": 1,
        "grid_a": 0,
        "grid_b": 1,
        "volunteer": 1,
    }


def test_recipient_signs_from_inbox_and_sees_no_report(client, users, notice, areas):
    other = services.send_notice(
        actor=users["command"],
        sender_area=areas["city"],
        title="市指挥部通知",
        body="正文",
        target_areas=[areas["grid_b"]],
    )
    login(client, users["grid_b"])
    inbox = client.get(reverse("duty:inbox"))
    assert [r.notice.title for r in inbox.context["receipts"]] == ["市指挥部通知", notice.title]
    assert inbox.context["pending"] == 2
    detail = client.get(reverse("duty:notice_detail", args=[notice.pk]))
    assert detail.context["report"] is None  # a grid worker is not the sending side
    response = client.post(reverse("duty:notice_acknowledge", args=[notice.pk]), {"next": "inbox"})
    assert response.url == reverse("duty:inbox")
    receipt = NoticeReceipt.objects.get(notice=notice, user=users["grid_b"])
    assert receipt.acknowledged_at is not None
    inbox = client.get(reverse("duty:inbox"))
    assert [r.notice.title for r in inbox.context["receipts"]] == ["市指挥部通知", notice.title]
    assert inbox.context["pending"] == 1
    assert other.recipient_count == 1


def test_volunteer_recipient_without_duty_permissions_can_sign(client, users, notice):
    login(client, users["volunteer"])
    assert client.get(reverse("duty:notice_list")).status_code == 403
    assert client.get(reverse("duty:notice_detail", args=[notice.pk])).status_code == 200
    client.post(reverse("duty:notice_acknowledge", args=[notice.pk]))
    assert NoticeReceipt.objects.get(user=users["volunteer"]).acknowledged_at is not None


def test_notice_out_of_scope_and_not_addressed_is_404(client, users, notice):
    login(client, users["grid_c"])
    assert client.get(reverse("duty:notice_detail", args=[notice.pk])).status_code == 404
    assert client.post(reverse("duty:notice_acknowledge", args=[notice.pk])).status_code == 404


def test_notice_list_export_and_query_count(client, users, notice, django_assert_max_num_queries):
    login(client, users["command"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("duty:notice_list"))
    assert [n.title for n in page.context["page"].object_list] == [notice.title]
    exported = client.get(reverse("duty:notice_list"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == notice.title
    assert rows[1][5] == "0/4"


def test_coverage_unit_list_asks_for_a_unit(client, users):
    """The 值班单位 list of 值守覆盖 began with ---------, where every other list says what
    to choose."""
    page = login(client, users["command"]).get(reverse("duty:coverage"))
    assert '<option value="">请选择值班单位</option>' in page.content.decode()
    assert "---------" not in page.content.decode()


def test_coverage_first_visit_shows_own_unit_today(client, users):
    page = login(client, users["community"]).get(reverse("duty:coverage"))
    assert len(page.context["days"]) == 1
    assert page.context["form"].cleaned_data["area"] == users["community"].area


def test_handover_form_shows_open_items_of_own_units_only(client, areas, users):
    """``?area=`` of another district's unit lists nothing of it (nor fails on a non-number)."""
    relief = make_user(Role.GRID_WORKER, areas["grid_c"])
    elsewhere = services.create_handover(
        actor=users["grid_c"],
        area=areas["grid_c"],
        incoming=relief,
        notes="夜班",
        new_items=["给 3 号楼隔离户送药"],
    )
    assert elsewhere.items.filter(closed_at__isnull=True).exists()
    login(client, users["grid_a"])
    page = client.get(reverse("duty:handover_add"), {"area": areas["grid_c"].pk})
    assert page.status_code == 200
    assert page.context["open_items"] == []
    assert "隔离户送药" not in page.content.decode()
    assert client.get(reverse("duty:handover_add"), {"area": "x"}).status_code == 200
    login(client, users["grid_c"])
    own = client.get(reverse("duty:handover_add"), {"area": areas["grid_c"].pk})
    assert [i.text for i in own.context["open_items"]] == ["给 3 号楼隔离户送药"]


def test_closing_an_item_with_a_garbled_handover_field_goes_back_to_its_handover(
    client, areas, users
):
    relief = make_user(Role.GRID_WORKER, areas["grid_c"])
    handover = services.create_handover(
        actor=users["grid_c"],
        area=areas["grid_c"],
        incoming=relief,
        notes="夜班",
        new_items=["补充测温枪电池"],
    )
    item = handover.items.get()
    login(client, make_user(Role.COMMUNITY, areas["miyi_community"]))
    response = client.post(reverse("duty:item_close", args=[item.pk]), {"handover": "abc"})
    assert response.status_code == 302
    assert response.url == reverse("duty:handover_detail", args=[handover.pk])
    item.refresh_from_db()
    assert item.closed_at is not None


def test_coverage_counts_no_shift_of_a_deactivated_account(client, areas, users, make_shift):
    """A grid worker who left (account switched off) still had the night on the roster, and
    the page said 24 小时有人值守; the night is a gap now, the shift marked 账号已停用."""
    make_shift(areas["community"], users["grid_a"], at(0), at(20))
    make_shift(areas["community"], users["grid_b"], at(20), at(0, day=1))
    users["grid_b"].is_active = False
    users["grid_b"].save(update_fields=["is_active"])
    login(client, users["community"])
    page = client.get(
        reverse("duty:coverage"),
        {"area": areas["community"].pk, "day": DAY.isoformat(), "span": "day"},
    )
    [day] = page.context["days"]
    assert day.gaps == [(at(20), at(0, day=1))]
    assert "账号已停用" in page.content.decode()
