"""A list row links only to a page its reader may open: a link that answers 403 is a dead
end on a phone (a volunteer's task rows led to the post's staff page, a leader's supply
items to their edit form)."""

import re

import pytest
from django.test import Client

from fangkong.supplies import services as supplies
from fangkong.supplies.choices import Unit
from fangkong.volunteers import services as volunteers
from fangkong.volunteers.tests.conftest import give_account, make_need, make_volunteer

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/[^"?#]+/\d+/[^"?#]*)"')


def _row_links(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    table = response.content.decode().split("<table", 1)[-1].split("</table>", 1)[0]
    return HREF.findall(table)


def _opens(client, links) -> dict[str, int]:
    return {link: client.get(link).status_code for link in links}


def test_row_links_lead_only_to_pages_the_reader_may_open(users, areas):
    cmd = users["community"]
    volunteer = make_volunteer(cmd, areas["grid_a"], "张志愿")
    account = give_account(cmd, volunteer)
    volunteers.dispatch(actor=cmd, need=make_need(cmd, areas["grid_a"]), volunteers=[volunteer])
    supplies.create_item(
        actor=users["command"],
        data={"code": "KZ", "name": "医用口罩", "unit": Unit.PIECE, "category": "protective"},
    )
    cases = [
        (account, "/volunteers/tasks/"),
        (users["leader"], "/supplies/items/"),
        (cmd, "/volunteers/tasks/"),  # staff still get their links
    ]
    for user, path in cases:
        client = Client()
        client.force_login(user)
        links = _row_links(client, path)
        assert set(_opens(client, links).values()) <= {200}, (user.username, path)
        if user is cmd:
            assert links
