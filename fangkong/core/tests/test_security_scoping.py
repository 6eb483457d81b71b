"""Generated scoping test: for every area-scoped model behind an API viewset or a generic
list/detail page, a row in grid B is invisible to users of other areas (nothing in lists,
404 on detail) while the city command office sees it."""

from collections import defaultdict

import pytest

from fangkong.accounts.choices import Role
from fangkong.core.api.views import ScopedGenericViewSet
from fangkong.core.testing import builders, urlmap
from fangkong.core.testing.factories import make_user
from fangkong.core.views.generic import BaseObjectView, ObjectListView


def _one_param(path: str) -> bool:
    return path.split("/").count("1") == 1


def scoped_endpoints() -> dict[str, dict[str, list[str]]]:
    """{model label: {"api_list"|"api_detail"|"html_list"|"html_detail": [sample paths]}}"""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for e in urlmap.walk():
        cls = e.view_class
        model = getattr(cls, "model", None)
        if model is None or not hasattr(model.objects, "visible_to"):
            continue  # not scoped (e.g. risk levels are public information)
        label = model._meta.label_lower
        if issubclass(cls, ScopedGenericViewSet) and not e.path.endswith(".json/"):
            action = getattr(e.callback, "actions", {}).get("get")
            if action == "list" and "1" not in e.path.split("/"):
                found[label]["api_list"].append(e.path)
            elif action == "retrieve" and _one_param(e.path):
                found[label]["api_detail"].append(e.path)
        elif issubclass(cls, ObjectListView):
            if "1" not in e.path.split("/"):
                found[label]["html_list"].append(e.path)
        elif issubclass(cls, BaseObjectView) and _one_param(e.path):
            found[label]["html_detail"].append(e.path)
    return {k: dict(v) for k, v in found.items()}


ENDPOINTS = scoped_endpoints()


def _with_pk(path: str, pk) -> str:
    return "/".join(str(pk) if part == "1" else part for part in path.split("/"))


def _api_rows(client, path: str) -> list[dict]:
    rows, url = [], path
    while url:
        response = client.get(url)
        if response.status_code in (403, 404):
            return rows
        assert response.status_code == 200, (url, response.status_code)
        data = response.json()
        rows += data["results"] if isinstance(data, dict) and "results" in data else data
        url = data.get("next") if isinstance(data, dict) else None
    return rows


def _api_sees(client, user, path: str, obj) -> bool:
    """Whether the list shows ``obj``: by ``id`` where rows have one, else (rows keyed by
    another field) whether the list holds more rows than the user's area has without it."""
    client.force_login(user)
    rows = _api_rows(client, path)
    if rows and all("id" in row for row in rows):
        return obj.pk in {row["id"] for row in rows}
    own = type(obj).objects.visible_to(user).exclude(pk=obj.pk).count()
    return len(rows) > own


def _html_pks(client, path: str) -> set:
    response = client.get(path)
    if response.status_code in (403, 404):
        return set()
    assert response.status_code == 200, (path, response.status_code)
    page = response.context["page"]
    return {obj.pk for obj in page.paginator.object_list}


def test_endpoints_are_discovered():
    assert {"registry.resident", "health.assignment", "accounts.user"} <= set(ENDPOINTS)
    assert ENDPOINTS["registry.resident"]["api_detail"]
    assert ENDPOINTS["registry.resident"]["html_detail"]


@pytest.mark.parametrize("label", sorted(ENDPOINTS))
def test_row_of_grid_b_is_invisible_elsewhere(label, client, users, areas):
    from django.apps import apps

    model = apps.get_model(label)
    obj = builders.build(model, areas["grid_b"])
    endpoints = ENDPOINTS[label]
    outsiders = [
        users["grid_a"],
        make_user(Role.COMMAND, areas["miyi"]),  # every permission, another district
    ]
    # The control: the city command office sees the row where a list shows it.
    client.force_login(users["command"])
    for path in endpoints.get("api_list", []):
        assert _api_sees(client, users["command"], path, obj), path
    for path in endpoints.get("api_detail", []):
        assert client.get(_with_pk(path, obj.pk)).status_code == 200, path
    for path in endpoints.get("html_detail", []):
        assert client.get(_with_pk(path, obj.pk)).status_code in (200, 405), path
    for user in outsiders:
        client.force_login(user)
        for path in endpoints.get("api_list", []):
            assert not _api_sees(client, user, path, obj), (user, path)
        for path in endpoints.get("html_list", []):
            assert obj.pk not in _html_pks(client, path), (user, path)
        for kind in ("api_detail", "html_detail"):
            for path in endpoints.get(kind, []):
                status = client.get(_with_pk(path, obj.pk)).status_code
                assert status in (403, 404), (user, path, status)
                if user.role == Role.COMMAND:
                    assert status in (404, 405), (user, path, status)  # never 403: no leak
