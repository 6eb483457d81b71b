"""Running accounts after they are opened: editing, stopping and restarting, password resets;
each within the actor's subtree and roles, each audited without a password."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token

from fangkong.accounts import services
from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_user


def _entries():
    return list(
        AuditEntry.objects.filter(object_type="accounts.user", action="update").order_by("pk")
    )


# --- editing --------------------------------------------------------------------------


def test_a_street_moves_a_grid_worker_to_another_grid_and_renames_them(client, users, areas):
    worker = users["grid_a"]
    client.force_login(users["street"])

    r = client.post(
        reverse("accounts:user_edit", args=[worker.pk]),
        {"full_name": "王芳", "role": Role.GRID_WORKER, "area": areas["grid_b"].pk},
    )

    assert r.status_code == 302
    worker.refresh_from_db()
    assert (worker.full_name, worker.role, worker.area) == (
        "王芳",
        Role.GRID_WORKER,
        areas["grid_b"],
    )
    [entry] = _entries()
    assert (entry.actor_name, entry.object_id) == ("street", str(worker.pk))
    assert entry.changes == {
        "full_name": ["", "王芳"],
        "area": [areas["grid_a"].pk, areas["grid_b"].pk],
    }


def test_the_edit_form_offers_only_roles_and_areas_the_editor_may_give(client, users, areas):
    client.force_login(users["street"])

    r = client.post(
        reverse("accounts:user_edit", args=[users["grid_a"].pk]),
        {"full_name": "", "role": Role.COMMAND, "area": areas["grid_c"].pk},
    )

    assert r.status_code == 200
    assert r.content.decode().count("选择一个有效的选项") == 2
    users["grid_a"].refresh_from_db()
    assert (users["grid_a"].role, users["grid_a"].area) == (Role.GRID_WORKER, areas["grid_a"])
    assert _entries() == []


@pytest.mark.parametrize(
    ("actor", "target", "message"),
    [
        ("street", "grid_c", "该账号不在您的管辖范围内"),  # another district's grid worker
        ("street", "command", "该账号不在您的管辖范围内"),  # above the street
        ("grid_a", "grid_b", "您没有执行此操作的权限"),  # a grid worker manages no accounts
    ],
)
def test_nobody_manages_an_account_outside_their_subtree(users, areas, actor, target, message):
    with pytest.raises(PermissionDenied, match=message):
        services.change_user(
            actor=users[actor],
            user=users[target],
            full_name="x",
            role=Role.VOLUNTEER,
            area=areas["grid_a"],
        )
    with pytest.raises(PermissionDenied, match=message):
        services.deactivate_user(actor=users[actor], user=users[target], reason="离职")
    with pytest.raises(PermissionDenied, match=message):
        services.reset_password(actor=users[actor], user=users[target])
    assert _entries() == []
    assert User.objects.get(pk=users[target].pk).is_active


def test_a_street_cannot_manage_a_command_account_bound_in_its_own_street(users, areas):
    """A command-office colleague stationed at the street is in its subtree but above it."""
    stationed = make_user(Role.COMMAND, areas["street"], username="stationed")

    with pytest.raises(PermissionDenied, match="您不能管理角色高于您的账号"):
        services.reset_password(actor=users["street"], user=stationed)
    with pytest.raises(PermissionDenied, match="您不能管理角色高于您的账号"):
        services.deactivate_user(actor=users["street"], user=stationed, reason="调离")
    assert _entries() == []


def test_only_a_system_administrator_manages_a_system_administrators_account(users, areas):
    admin = make_user(Role.LEADER, areas["street"], username="admin2", superuser=True)

    with pytest.raises(PermissionDenied, match="只有系统管理员可以管理系统管理员账号"):
        services.deactivate_user(actor=users["command"], user=admin, reason="x")


def test_nobody_changes_their_own_role_or_area(users, areas):
    street = users["street"]

    with pytest.raises(PermissionDenied, match="不能修改自己的角色或所属区域"):
        services.change_user(
            actor=street, user=street, full_name="", role=Role.STREET, area=areas["community"]
        )
    services.change_user(
        actor=street, user=street, full_name="李明", role=Role.STREET, area=areas["street"]
    )
    street.refresh_from_db()
    assert (street.full_name, street.area) == ("李明", areas["street"])


def test_saving_unchanged_values_writes_no_audit_entry(users, areas):
    services.change_user(
        actor=users["street"],
        user=users["grid_a"],
        full_name="",
        role=Role.GRID_WORKER,
        area=areas["grid_a"],
    )
    assert _entries() == []


# --- stopping and restarting ---------------------------------------------------------


def test_a_stopped_account_loses_its_session_and_token_and_cannot_sign_in(client, users):
    from django.test import Client

    worker = users["grid_a"]
    Token.objects.create(user=worker)
    worker_browser = Client()
    worker_browser.force_login(worker)
    assert worker_browser.get(reverse("accounts:profile")).status_code == 200
    client.force_login(users["street"])

    r = client.post(reverse("accounts:user_deactivate", args=[worker.pk]), {"reason": "调离本社区"})

    assert r.status_code == 302
    worker.refresh_from_db()
    assert worker.is_active is False
    assert not Token.objects.filter(user=worker).exists()
    assert worker_browser.get(reverse("accounts:profile")).status_code == 302  # to sign-in
    assert authenticate(username="grid_a", password="pw-for-tests-only") is None
    [entry] = _entries()
    assert entry.changes == {"is_active": [True, False], "api_token": ["ended", None]}
    assert entry.reason == "调离本社区"


def test_stopping_needs_a_reason(users):
    with pytest.raises(ValidationError) as e:
        services.deactivate_user(actor=users["street"], user=users["grid_a"], reason=" ")
    assert e.value.message_dict == {"reason": ["请填写停用原因（如调离、离职）"]}
    assert User.objects.get(pk=users["grid_a"].pk).is_active


def test_an_administrator_cannot_stop_their_own_account(client, areas):
    admin = make_user(Role.LEADER, None, username="root", superuser=True)
    client.force_login(admin)

    r = client.post(reverse("accounts:user_deactivate", args=[admin.pk]), {"reason": "x"})

    assert r.status_code == 302
    assert "不能停用自己的账号" in client.get(r.url).content.decode()
    admin.refresh_from_db()
    assert admin.is_active
    assert _entries() == []


def test_a_restarted_account_signs_in_again(users):
    worker = users["grid_a"]
    services.deactivate_user(actor=users["street"], user=worker, reason="离职")

    services.reactivate_user(actor=users["street"], user=worker, reason="返岗")

    assert authenticate(username="grid_a", password="pw-for-tests-only") == worker
    assert [e.changes for e in _entries()] == [
        {"is_active": [True, False]},
        {"is_active": [False, True]},
    ]
    with pytest.raises(ValidationError, match="该账号已经是启用状态"):
        services.reactivate_user(actor=users["street"], user=worker)


# --- password resets ------------------------------------------------------------------


def test_a_reset_password_is_shown_once_and_never_audited_or_put_in_the_url(client, users):
    worker = users["grid_a"]
    Token.objects.create(user=worker)
    User.objects.filter(pk=worker.pk).update(failed_logins=5)
    client.force_login(users["street"])

    r = client.post(reverse("accounts:user_reset_password", args=[worker.pk]))

    assert r.status_code == 200
    assert "no-cache" in r["Cache-Control"]
    password = re.search(r'data-field="password">([^<]+)<', r.content.decode()).group(1)
    assert authenticate(username="grid_a", password=password) == worker
    assert authenticate(username="grid_a", password="pw-for-tests-only") is None
    assert not Token.objects.filter(user=worker).exists()
    worker.refresh_from_db()
    assert worker.failed_logins == 0
    [entry] = _entries()
    assert entry.changes == {"password": "reset"}
    assert password not in str(entry.changes) + entry.reason
    assert all(password not in str(e.changes) for e in AuditEntry.objects.all())


def test_a_password_reset_is_refused_by_get(client, users):
    client.force_login(users["street"])

    r = client.get(reverse("accounts:user_reset_password", args=[users["grid_a"].pk]))

    assert r.status_code == 405
    assert _entries() == []


def test_the_list_links_to_each_account_and_its_page_offers_the_actions(client, users):
    client.force_login(users["street"])

    page = client.get(reverse("accounts:user_list")).content.decode()
    detail = reverse("accounts:user_detail", args=[users["grid_a"].pk])
    assert f'href="{detail}"' in page

    page = client.get(detail).content.decode()
    for name in ("user_edit", "user_reset_password", "user_deactivate"):
        assert reverse(f"accounts:{name}", args=[users["grid_a"].pk]) in page


def test_an_account_outside_the_subtree_has_no_page(client, users):
    client.force_login(users["street"])

    assert client.get(reverse("accounts:user_detail", args=[users["grid_c"].pk])).status_code == 404


def test_stopping_a_grid_worker_with_people_in_their_care_points_to_the_handover(
    client, users, areas
):
    import datetime

    from django.utils import timezone

    from fangkong.core.testing.factories import make_residents
    from fangkong.health.services import create_assignment

    worker = users["grid_a"]
    today = timezone.localdate()
    for resident in make_residents(users["street"], areas["grid_a"], 2):
        create_assignment(
            actor=users["street"],
            resident=resident,
            kind="home_quarantine",
            start_date=today,
            end_date=today + datetime.timedelta(days=7),
            responsible=worker,
        )
    client.force_login(users["street"])

    r = client.post(
        reverse("accounts:user_deactivate", args=[worker.pk]), {"reason": "离职"}, follow=True
    )

    page = r.content.decode()
    assert "该账号仍是：2 项进行中的隔离/监测安排的责任网格员。请尽快移交" in page
    assert "<li>2 项进行中的隔离/监测安排的责任网格员 · <a" in page
    handover = reverse("health:assignment_handover") + f"?outgoing={worker.pk}"
    assert f'href="{handover}"' in page
    form = client.get(handover).content.decode()
    assert f'<option value="{worker.pk}" selected>' in form


def test_moving_a_liaison_to_another_role_names_what_they_still_hold(client, users, areas):
    """A liaison officer made a grid worker stayed stationed at the enterprise and on the duty
    roster, and nothing said so: the change now lists both, with where to hand them over."""
    import datetime

    from django.utils import timezone

    from fangkong.duty import services as duty
    from fangkong.enterprises.testing import make_enterprise, make_liaison

    enterprise = make_enterprise(users["community"], areas["grid_a"])
    liaison = make_liaison(users["community"], enterprise, area=areas["community"])
    start = timezone.now() + datetime.timedelta(days=1)
    duty.create_shift(
        actor=users["command"],
        data={
            "area": areas["community"],
            "person": liaison,
            "role": "officer",
            "start": start,
            "end": start + datetime.timedelta(hours=8),
        },
    )
    client.force_login(users["command"])

    r = client.post(
        reverse("accounts:user_edit", args=[liaison.pk]),
        {"full_name": "联络员", "role": "grid_worker", "area": areas["grid_a"].pk},
        follow=True,
    )

    page = r.content.decode()
    assert "该账号仍是：派驻 1 家企业的联络员；1 个尚未结束的值班班次。" in page
    stationed = reverse("enterprises:assignment_list") + f"?liaison={liaison.pk}&amp;current=1"
    assert f'href="{stationed}"' in page
    listed = client.get(
        reverse("enterprises:assignment_list"), {"liaison": liaison.pk, "current": 1}
    )
    assert enterprise.name in listed.content.decode()
    r = client.post(
        reverse("accounts:user_edit", args=[liaison.pk]),
        {"full_name": "网格员", "role": "grid_worker", "area": areas["grid_a"].pk},
        follow=True,
    )
    assert "该账号仍是：" in r.content.decode()  # the page still lists them
    assert "请尽快移交" not in r.content.decode()  # a new name alone warns of nothing


def test_the_list_finds_stopped_accounts_apart_from_those_in_use(client, users):
    services.deactivate_user(actor=users["street"], user=users["grid_b"], reason="离职")
    client.force_login(users["street"])

    def names(state):
        page = client.get(reverse("accounts:user_list"), {"is_active": state}).content.decode()
        return sorted(re.findall(r'<td><a href="[^"]+">([a-z_]+)</a></td>', page))

    assert names("0") == ["grid_b"]
    assert names("1") == ["community", "grid_a", "street", "volunteer"]


def test_an_administrator_without_an_area_renames_itself(client, areas):
    """The site's own administrator (bound to no area: it sees every one) could not save its
    name: the form and the service asked for an area."""
    admin = make_user(Role.LEADER, None, username="root", superuser=True)
    client.force_login(admin)

    r = client.post(
        reverse("accounts:user_edit", args=[admin.pk]),
        {"full_name": "系统管理员甲", "role": Role.LEADER, "area": ""},
    )

    assert r.status_code == 302
    admin.refresh_from_db()
    assert (admin.full_name, admin.area_id) == ("系统管理员甲", None)
    with pytest.raises(ValidationError):  # an ordinary account still needs its area
        services.change_user(
            actor=admin,
            user=make_user(Role.GRID_WORKER, areas["grid_a"]),
            full_name="x",
            role=Role.GRID_WORKER,
            area=None,
        )
