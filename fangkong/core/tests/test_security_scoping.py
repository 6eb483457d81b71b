"""Generated scoping test: for every area-scoped model behind an API viewset or a generic
list/detail page, a row in grid B is invisible to users of other areas (nothing in lists,
404 on detail) while the city command office sees it."""

import pytest

from fangkong.accounts.choices import Role
from fangkong.core.testing import builders, urlmap
from fangkong.core.testing.factories import make_user

ENDPOINTS = urlmap.model_endpoints(scoped_only=True)


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
    if isinstance(obj.pk, tuple) and hasattr(obj, "uuid"):
        # A composite key (scans: time + client id): the client id names the row.
        return str(obj.uuid) in {str(row.get("uuid", row.get("id"))) for row in rows}
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
        assert client.get(urlmap.with_pk(path, obj.pk)).status_code == 200, path
    for path in endpoints.get("html_view", []):
        assert client.get(urlmap.with_pk(path, obj.pk)).status_code in (200, 405), path
    for user in outsiders:
        client.force_login(user)
        for path in endpoints.get("api_list", []):
            assert not _api_sees(client, user, path, obj), (user, path)
        for path in endpoints.get("html_list", []):
            assert obj.pk not in _html_pks(client, path), (user, path)
        for kind in ("api_detail", "html_view"):
            for path in endpoints.get(kind, []):
                status = client.get(urlmap.with_pk(path, obj.pk)).status_code
                assert status in (403, 404), (user, path, status)
                if user.role == Role.COMMAND:
                    assert status in (404, 405), (user, path, status)  # never 403: no leak
