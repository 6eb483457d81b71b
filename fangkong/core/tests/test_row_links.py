"""A row of a list links only to a page its reader may open: a grid worker reading the
enterprises' employees or the commodity catalogue, a volunteer reading their own tasks, saw
names that led to a 403 page (the edit form, the post they were sent to)."""

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from fangkong.core.testing import builders, urlmap
from fangkong.core.tests.test_role_lists import FREE
from fangkong.volunteers import services
from fangkong.volunteers.models import Assignment
from fangkong.volunteers.tests.conftest import give_account, make_need, make_volunteer

ROW_LINK = re.compile(r'<tr><td><a href="([^"]+)"')


def _row_links(client: Client, path: str) -> set[str]:
    return set(ROW_LINK.findall(client.get(path).content.decode()))


@pytest.fixture
def every_list(areas):
    paths = []
    for label, endpoints in sorted(urlmap.model_endpoints().items()):
        builders.build(apps.get_model(label), areas["grid_a"])
        paths += endpoints.get("html_list", [])
    return sorted(set(paths))


@pytest.mark.parametrize("role", ["grid_a", "leader", "community"])
def test_every_row_link_of_every_list_opens_for_its_reader(users, every_list, role):
    client = Client()
    client.force_login(users[role])
    broken = {}
    for path in every_list:
        if client.get(path).status_code != 200:
            continue
        for link in sorted(_row_links(client, path))[:3]:
            status = client.get(link).status_code
            if status != 200:
                broken[link] = (path, status)
    assert broken == {}


def test_a_grid_worker_reads_employees_and_commodities_without_dead_links(users, every_list):
    client = Client()
    client.force_login(users["grid_a"])
    for name in ("enterprises:employee_list", "prices:commodity_list"):
        body = client.get(reverse(name)).content.decode()
        assert "<tbody>" in body and "<tr><td>" in body, name  # the rows are there
        assert "/edit/" not in body, name


def test_a_volunteers_tasks_do_not_link_to_the_post_they_cannot_open(users, areas):
    cmd = users["command"]
    me = make_volunteer(cmd, areas["grid_a"], "张志愿", **FREE)
    account = give_account(cmd, me)
    need = make_need(cmd, areas["grid_a"], "东门值守")
    services.dispatch_batch(actor=cmd, name="东门", needs=[(need, 1)], area=areas["grid_a"])
    assert Assignment.objects.filter(volunteer=me).exists()
    client = Client()
    client.force_login(account)
    need_page = reverse("volunteers:need_detail", args=[need.pk])
    assert client.get(need_page).status_code == 403
    mine = reverse("volunteers:volunteer_detail", args=[me.pk])
    for page in (reverse("volunteers:assignment_list"), mine):
        body = client.get(page).content.decode()
        assert "东门值守" in body, page
        assert need_page not in body, page
    # Community staff, who may open the post, keep the link.
    client.force_login(users["community"])
    assert need_page in client.get(reverse("volunteers:assignment_list")).content.decode()
