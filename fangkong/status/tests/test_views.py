"""Status pages: 按颜色查人, the resident's status panel, overrides and approvals, the personal
code (QR), the public status page and the staff verify page."""

import datetime
import io

import openpyxl
import pytest
from django.core import signing
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.personal import mask
from fangkong.health.models import Assignment
from fangkong.status.models import PersonStatus, StatusOverride
from fangkong.status.services import recompute_status, request_status_override
from fangkong.status.testing import make_resident, today
from fangkong.status.tokens import make_status_token
from fangkong.tracing.models import Case


@pytest.fixture
def until() -> datetime.date:
    """The last day of the monitoring in ``people``."""
    return today() + datetime.timedelta(days=10)


@pytest.fixture
def people(areas, until):
    """grid_a: 欧阳明月 yellow (monitoring), 李四 green; grid_b: 王五 red (case);
    grid_c (another district): 赵六 yellow (monitoring)."""
    a1 = make_resident(areas["grid_a"], name="欧阳明月")
    a2 = make_resident(areas["grid_a"], name="李四")
    b1 = make_resident(areas["grid_b"], name="王五")
    c1 = make_resident(areas["grid_c"], name="赵六")
    for r in (a1, c1):
        Assignment.objects.create(
            resident=r,
            kind="health_monitoring",
            start_date=today() - datetime.timedelta(days=2),
            end_date=until,
        )
    Case.objects.create(resident=b1, code="C-12", kind="confirmed", confirmed_at=timezone.now())
    recompute_status([a1.pk, a2.pk, b1.pk, c1.pk], cause="测试")
    return {"a1": a1, "a2": a2, "b1": b1, "c1": c1}


def names(response) -> list[str]:
    return [obj.resident.name for obj, _cells in response.context["table"]]


def read_xlsx(response) -> list[list]:
    data = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


# --- 按颜色查人 ----------------------------------------------------------------------------


def test_grid_worker_sees_only_own_grid(client, users, people):
    client.force_login(users["grid_a"])
    r = client.get(reverse("status:status_list"))
    assert r.status_code == 200
    assert sorted(names(r)) == ["李四", "欧阳明月"]
    body = r.content.decode()
    assert "王五" not in body
    assert people["a1"].id_number not in body
    assert mask("id_number", people["a1"].id_number) in body
    assert [c["count"] for c in r.context["colour_counts"]] == [1, 1, 0]


def test_everyone_yellow_in_renhe(client, users, areas, people, until):
    client.force_login(users["command"])
    r = client.get(reverse("status:status_list"), {"colour": "yellow", "area": areas["renhe"].pk})
    assert names(r) == ["欧阳明月"]
    cells = dict(zip(r.context["table"].headers, next(iter(r.context["table"]))[1], strict=True))
    assert cells["原因"].text == f"黄码：健康监测中，至 {until.isoformat()}"
    r = client.get(reverse("status:status_list"), {"colour": "yellow"})
    assert sorted(names(r)) == ["欧阳明月", "赵六"]


def test_search_box_finds_by_pinyin_initials_in_scope(client, users, people):
    client.force_login(users["grid_a"])
    assert names(client.get(reverse("status:status_list"), {"q": "oymy"})) == ["欧阳明月"]
    assert names(client.get(reverse("status:status_list"), {"q": "ww"})) == []


def test_export_is_masked_and_scoped(client, users, people):
    client.force_login(users["community"])
    r = client.get(reverse("status:status_list"), {"export": "xlsx"})
    assert r.status_code == 200
    rows = read_xlsx(r)
    assert rows[0][:5] == ["姓名", "身份证号", "联系电话", "网格", "状态"]
    assert sorted(row[0] for row in rows[1:]) == ["李四", "欧阳明月", "王五"]
    flat = [str(v) for row in rows for v in row if v is not None]
    assert people["b1"].id_number not in flat
    assert mask("id_number", people["b1"].id_number) in flat
    assert (
        AuditEntry.objects.filter(action="export", object_type="status.personstatus").count() == 1
    )


def test_leader_reads_but_cannot_export(client, users, people):
    client.force_login(users["leader"])
    assert client.get(reverse("status:status_list")).status_code == 200
    assert client.get(reverse("status:status_list"), {"export": "xlsx"}).status_code == 403


def test_status_list_query_count(client, users, areas, people, django_assert_num_queries):
    extra = [make_resident(areas["grid_b"], name=f"测试{i}") for i in range(20)]
    recompute_status([r.pk for r in extra], cause="测试")
    client.force_login(users["command"])
    client.get(reverse("status:status_list"))  # warm the session
    # session, user, role perms (2), user's area, colour counts, count, rows, area choices;
    # on SQLite the page's keys come first (core.views.generic.KeysFirst), then its rows.
    with django_assert_num_queries(9 + (connection.vendor == "sqlite")):
        r = client.get(reverse("status:status_list"))
    assert r.context["page"].paginator.count == 24


# --- resident panel ----------------------------------------------------------------------


def test_resident_detail_shows_the_status_panel(client, users, people, until):
    client.force_login(users["grid_a"])
    r = client.get(reverse("registry:resident_detail", args=[people["a1"].pk]))
    body = r.content.decode()
    assert 'id="resident-status"' in body
    assert 'data-colour="yellow"' in body
    assert f"黄码：健康监测中，至 {until.isoformat()}" in body
    assert "规则版本 2026.1" in body
    assert reverse("status:resident_override", args=[people["a1"].pk]) in body


def test_panel_is_absent_without_the_permission(client, users, people, areas):
    from fangkong.accounts.choices import Role
    from fangkong.core.testing.factories import make_user

    enterprise = make_user(Role.ENTERPRISE_LIAISON, areas["city"])
    client.force_login(enterprise)
    r = client.get(reverse("registry:resident_detail", args=[people["a1"].pk]))
    assert r.status_code == 403


# --- overrides ---------------------------------------------------------------------------


def test_grid_worker_requests_and_community_approves(client, users, people):
    client.force_login(users["grid_a"])
    expires = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        reverse("status:resident_override", args=[people["a2"].pk]),
        {"colour": "red", "reason": "外地协查通报", "expires_at": expires},
    )
    assert r.status_code == 302
    override = StatusOverride.objects.get()
    assert (override.resident, override.colour, override.state) == (people["a2"], "red", "pending")
    assert PersonStatus.objects.get(pk=people["a2"].pk).colour == "green"
    # the requester cannot approve; the community (higher rank) can
    assert client.get(reverse("status:override_queue")).status_code == 403
    client.force_login(users["community"])
    r = client.get(reverse("status:override_queue"))
    assert [o.pk for o in r.context["overrides"]] == [override.pk]
    r = client.post(reverse("status:override_approve", args=[override.pk]))
    assert r.status_code == 302
    override.refresh_from_db()
    assert (override.state, override.approved_by) == ("approved", users["community"])


def test_command_office_request_waits_for_another_command_office_account(
    client, users, areas, people
):
    from fangkong.accounts.choices import Role
    from fangkong.core.testing.factories import make_user

    client.force_login(users["command"])
    expires = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        reverse("status:resident_override", args=[people["a2"].pk]),
        {"colour": "red", "reason": "外地协查通报", "expires_at": expires},
        follow=True,
    )
    assert "已提交人工调整申请，待指挥部其他人员审批后生效" in r.content.decode()
    override = StatusOverride.objects.get()
    assert client.get(reverse("status:override_queue")).context["overrides"] == []
    client.force_login(make_user(Role.COMMAND, areas["city"], username="command2"))
    r = client.get(reverse("status:override_queue"))
    assert [o.pk for o in r.context["overrides"]] == [override.pk]
    client.post(reverse("status:override_approve", args=[override.pk]))
    override.refresh_from_db()
    assert (override.state, override.approved_by.username) == ("approved", "command2")


def test_request_by_id_number_only_finds_residents_in_scope(client, users, people):
    client.force_login(users["grid_a"])
    expires = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        reverse("status:override_add"),
        {
            "id_number": people["b1"].id_number,
            "colour": "green",
            "reason": "误判",
            "expires_at": expires,
        },
    )
    assert r.status_code == 200
    assert r.context["form"].errors["id_number"] == ["您的管辖范围内没有登记该身份证号的居民"]
    assert StatusOverride.objects.count() == 0
    r = client.get(reverse("status:resident_override", args=[people["b1"].pk]))
    assert r.status_code == 404


def test_reject_needs_a_note_and_is_scoped(client, users, people):
    override = request_status_override(
        actor=users["grid_a"],
        resident=people["a2"],
        colour="yellow",
        reason="核查",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    client.force_login(users["community"])
    client.post(reverse("status:override_reject", args=[override.pk]), {"note": ""})
    override.refresh_from_db()
    assert override.state == "pending"
    client.post(reverse("status:override_reject", args=[override.pk]), {"note": "依据不足"})
    override.refresh_from_db()
    assert (override.state, override.rejection_note) == ("rejected", "依据不足")
    # a community officer elsewhere does not even find it
    other = request_status_override(
        actor=users["grid_a"],
        resident=people["a2"],
        colour="yellow",
        reason="核查",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    from fangkong.accounts.choices import Role
    from fangkong.core.testing.factories import make_user

    miyi_community = make_user(Role.COMMUNITY, people["c1"].area.parent)
    client.force_login(miyi_community)
    assert client.post(reverse("status:override_approve", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.state == "pending"


def test_override_list_masks_id_numbers_and_is_scoped(client, users, people):
    request_status_override(
        actor=users["grid_b"],
        resident=people["b1"],
        colour="yellow",
        reason="复核",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    client.force_login(users["grid_a"])
    assert client.get(reverse("status:override_list")).context["page"].paginator.count == 0
    client.force_login(users["community"])
    r = client.get(reverse("status:override_list"))
    body = r.content.decode()
    assert r.context["page"].paginator.count == 1
    assert people["b1"].id_number not in body
    assert mask("id_number", people["b1"].id_number) in body


# --- personal code -----------------------------------------------------------------------


def test_qr_page_draws_an_inline_svg_of_the_public_link(client, users, people):
    client.force_login(users["grid_a"])
    r = client.get(reverse("status:personal_qr", args=[people["a1"].pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert "<svg" in body
    assert "欧阳明月" not in body and "欧**月" in body
    token = r.context["url"].split("/status/code/")[1].strip("/")
    status = PersonStatus.objects.get(pk=people["a1"].pk)
    assert signing.loads(token, salt="fangkong.status.personal-code") == status.public_code
    assert client.get(reverse("status:personal_qr", args=[people["b1"].pk])).status_code == 404


def test_public_status_page_needs_no_login_and_shows_no_personal_data(client, people, until):
    a1 = people["a1"]
    token = make_status_token(PersonStatus.objects.get(pk=a1.pk))
    r = client.get(reverse("status:personal", args=[token]))
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-colour="yellow"' in body and "黄码" in body
    assert f"黄码：健康监测中，至 {until.isoformat()}" in body
    for secret in (a1.name, "欧**月", a1.id_number, a1.phone, a1.id_number[-4:]):
        assert secret not in body
    assert r["Cache-Control"] == "no-store"


def test_public_status_page_refuses_a_tampered_token(client, people):
    token = make_status_token(PersonStatus.objects.get(pk=people["a1"].pk))
    r = client.get(reverse("status:personal", args=[token[:-2] + "xx"]))
    assert r.status_code == 400
    assert "个人码无效" in r.content.decode()


def test_staff_verify_shows_masked_name_and_accepts_a_scanned_link(client, users, people):
    token = make_status_token(PersonStatus.objects.get(pk=people["b1"].pk))
    client.force_login(users["volunteer"])
    assert client.get(reverse("status:verify")).status_code == 200
    link = "http://fk.local" + reverse("status:personal", args=[token])
    r = client.post(reverse("status:verify"), {"token": link})
    body = r.content.decode()
    assert r.context["result"]["colour"] == "red"
    assert "王*" in body and "王五" not in body
    assert "红码：感染者，治疗/隔离管理中" in body
    assert people["b1"].id_number not in body
    r = client.post(reverse("status:verify"), {"token": "bad"}, headers={"HX-Request": "true"})
    assert r.content.decode().lstrip().startswith('<div id="verify-result"')
    assert "个人码无效" in r.content.decode()


def test_verify_page_needs_login(client, people):
    r = client.get(reverse("status:verify"))
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")


def test_approval_queue_shows_what_the_facts_say_now(client, users, people):
    """A green request made before the person became a case was approved without the
    approver seeing the case: the queue now shows the current colour and its reasons."""
    request_status_override(
        actor=users["grid_b"],
        resident=people["b1"],
        colour="green",
        reason="复查阴性",
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    client.force_login(users["community"])
    r = client.get(reverse("status:override_queue"))
    (o,) = r.context["overrides"]
    assert (o.current.colour, o.current_reasons) == (
        "red",
        ["红码：确诊病例 C-12，治疗/隔离管理中"],
    )
    assert "当前状态：" in r.content.decode()
