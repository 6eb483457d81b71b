"""The navbar per role: menus grouped by what the role does, every entry shown opens (200),
no menu without an entry, and an entry hidden from a role does not open for it either."""

import re

import pytest
from django.urls import reverse

from fangkong.accounts.choices import Role
from fangkong.core.testing.factories import make_user

ENTRY = re.compile(r'<a class="dropdown-item" href="([^"]+)"')
MENU = re.compile(
    r'<a class="nav-link dropdown-toggle"[^>]*>([^<]+)</a><ul class="dropdown-menu">(.*?)</ul>',
    re.S,
)
GROUPS = ["人口与排查", "健康与状态", "场所与流调", "志愿与值班"]
GROUPS += ["企业复工", "督导与举报", "物资与价格", "指挥调度"]


def _menus(client, user) -> dict[str, list[str]]:
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    # The account and language menus have an icon in their toggle: MENU does not match them.
    nav = html[html.index('id="mainNav"') :]
    return {label.strip(): ENTRY.findall(body) for label, body in MENU.findall(nav)}


@pytest.fixture
def role_users(users, areas):
    return {
        **users,
        "liaison": make_user(Role.ENTERPRISE_LIAISON, areas["community"], username="liaison"),
        "inspector": make_user(Role.INSPECTOR, areas["city"], username="inspector"),
    }


def test_command_sees_every_group_in_order(client, users):
    menus = _menus(client, users["command"])
    assert list(menus) == GROUPS


@pytest.mark.parametrize(
    "role",
    ["command", "street", "community", "grid_a", "leader", "volunteer", "liaison", "inspector"],
)
def test_each_entry_shown_opens_and_hidden_entries_do_not(client, role_users, areas, role):
    everything = {
        url
        for entries in _menus(
            client, make_user(Role.COMMAND, areas["city"], superuser=True)
        ).values()
        for url in entries
    }
    menus = _menus(client, role_users[role])
    assert set(menus) <= set(GROUPS)
    assert all(menus.values()), "a menu without entries is not shown"
    shown = {url for entries in menus.values() for url in entries}
    client.force_login(role_users[role])
    opened = {url: client.get(url.replace("&amp;", "&")).status_code for url in sorted(shown)}
    assert opened == dict.fromkeys(sorted(shown), 200)
    hidden = {
        url: client.get(url.replace("&amp;", "&")).status_code for url in sorted(everything - shown)
    }
    assert {url: code for url, code in hidden.items() if code == 200} == {}


MAIN_LINK = re.compile(r'<a [^>]*href="(/[^"]*)"')


@pytest.mark.parametrize(
    "role",
    ["command", "street", "community", "grid_a", "leader", "volunteer", "liaison", "inspector"],
)
def test_every_link_on_a_roles_home_page_opens(client, role_users, role):
    """A home panel's figure links to its list only for a role that may open the list."""
    client.force_login(role_users[role])
    html = client.get(reverse("home")).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    links = sorted({url.replace("&amp;", "&") for url in MAIN_LINK.findall(main)})
    assert links
    opened = {url: client.get(url).status_code for url in links}
    assert {url: code for url, code in opened.items() if code != 200} == {}
