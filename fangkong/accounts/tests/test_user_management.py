"""账号管理: opening accounts for colleagues from the web, within one's own area and role."""

import re

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.core.models import AuditEntry


def _add(client, **data):
    return client.post(reverse("accounts:user_add"), data)


def test_a_street_opens_a_grid_workers_account_and_gets_its_password_once(client, users, areas):
    client.force_login(users["street"])

    r = _add(
        client,
        username="wangfang",
        full_name="王芳",
        role=Role.GRID_WORKER,
        area=areas["grid_a"].pk,
    )

    assert r.status_code == 200
    assert "no-cache" in r["Cache-Control"]
    page = r.content.decode()
    password = re.search(r'data-field="password">([^<]+)<', page).group(1)
    account = User.objects.get(username="wangfang")
    assert (account.full_name, account.role, account.area, account.is_superuser) == (
        "王芳",
        Role.GRID_WORKER,
        areas["grid_a"],
        False,
    )
    assert authenticate(username="wangfang", password=password) == account
    entry = AuditEntry.objects.get(object_type="accounts.user", action="create")
    assert (entry.actor_name, entry.object_id, entry.area_path) == (
        "street",
        str(account.pk),
        areas["grid_a"].path,
    )
    assert entry.changes == {
        "username": "wangfang",
        "full_name": "王芳",
        "role": "grid_worker",
        "area": areas["grid_a"].pk,
    }
    assert password not in str(entry.changes) and "password" not in entry.changes


@pytest.mark.parametrize(
    ("role", "area_key", "error"),
    [
        (Role.COMMAND, "street", "选择一个有效的选项"),  # a role above its own: not offered
        (Role.GRID_WORKER, "grid_c", "选择一个有效的选项"),  # another county's grid
    ],
)
def test_a_street_cannot_open_an_account_above_its_role_or_outside_its_area(
    client, users, areas, role, area_key, error
):
    client.force_login(users["street"])

    r = _add(client, username="newone", full_name="", role=role, area=areas[area_key].pk)

    assert r.status_code == 200
    assert error in r.content.decode()
    assert not User.objects.filter(username="newone").exists()
    assert not AuditEntry.objects.filter(object_type="accounts.user", action="create").exists()


def test_a_taken_username_is_named_in_the_error(client, users, areas):
    client.force_login(users["street"])

    r = _add(
        client, username="GRID_A", full_name="", role=Role.GRID_WORKER, area=areas["grid_b"].pk
    )

    assert "用户名“GRID_A”已被使用" in r.content.decode()
    assert User.objects.filter(username__iexact="grid_a").count() == 1


def test_roles_without_account_rights_cannot_open_the_pages(client, users):
    client.force_login(users["grid_a"])

    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_add")).status_code == 403


def test_the_list_shows_the_accounts_of_ones_own_subtree(client, users):
    client.force_login(users["street"])

    r = client.get(reverse("accounts:user_list"))

    names = re.findall(
        r"<td[^>]*>(?:<a [^>]*>)?(grid_[abc]|community|command|leader|street|volunteer)<",
        r.content.decode(),
    )
    assert sorted(names) == ["community", "grid_a", "grid_b", "street", "volunteer"]


def test_the_list_goes_out_to_excel_with_the_same_accounts(client, users):
    """A street's staff list in Excel: its own subtree's accounts, as the page lists them."""
    import io

    import openpyxl

    client.force_login(users["street"])
    r = client.get(reverse("accounts:user_list"), {"export": "xlsx"})
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("用户名", "姓名", "角色", "所属区域")
    assert sorted(row[0] for row in rows[1:]) == [
        "community",
        "grid_a",
        "grid_b",
        "street",
        "volunteer",
    ]
    assert AuditEntry.objects.filter(action="export", object_type="accounts.user").exists()
    client.force_login(users["grid_a"])
    assert client.get(reverse("accounts:user_list"), {"export": "xlsx"}).status_code == 403


def test_the_command_office_opens_every_role_a_street_only_those_it_can_do_itself(users):
    from fangkong.accounts.services import grantable_roles

    assert grantable_roles(users["command"]) == list(Role.values)
    assert grantable_roles(users["street"]) == [
        Role.STREET,
        Role.COMMUNITY,
        Role.GRID_WORKER,
        Role.VOLUNTEER,
        Role.LEADER,
    ]
    assert grantable_roles(users["grid_a"]) == [Role.GRID_WORKER, Role.VOLUNTEER]


def test_a_community_secretary_opens_and_runs_the_accounts_of_its_own_grids(client, users, areas):
    """The README's promise: a community opens the roles it has itself, in its subtree."""
    from fangkong.accounts.services import deactivate_user, grantable_roles

    secretary = users["community"]
    assert grantable_roles(secretary) == [
        Role.COMMUNITY,
        Role.GRID_WORKER,
        Role.VOLUNTEER,
        Role.LEADER,
    ]
    client.force_login(secretary)

    r = _add(
        client, username="zhaoli", full_name="", role=Role.GRID_WORKER, area=areas["grid_b"].pk
    )
    refused = _add(client, username="up", full_name="", role=Role.STREET, area=areas["grid_b"].pk)

    assert r.status_code == 200
    assert User.objects.get(username="zhaoli").area == areas["grid_b"]
    assert "选择一个有效的选项" in refused.content.decode()
    assert not User.objects.filter(username="up").exists()
    deactivate_user(actor=secretary, user=users["grid_a"], reason="调离")
    assert not User.objects.get(pk=users["grid_a"].pk).is_active
