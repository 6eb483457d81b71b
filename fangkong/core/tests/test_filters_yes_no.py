"""Yes-or-no filters: 全部 / 是 / 否, blank meaning either; the blank choice of every filter
drop-down reads 全部."""

import contextlib
import importlib
import re

import django_filters
import pytest
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.core.filtersets import YesNoFilter, yes_no


class ActiveUsers(django_filters.FilterSet):
    is_active = YesNoFilter()

    class Meta:
        model = User
        fields = ["is_active"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "expected"),
    [("", {"on", "off"}), ("true", {"on"}), ("false", {"off"}), ("unknown", {"on", "off"})],
)
def test_yes_no_filter_blank_means_either(value, expected):
    User.objects.create_user("on", password="x-x-x-x-1", is_active=True)
    User.objects.create_user("off", password="x-x-x-x-1", is_active=False)
    found = ActiveUsers({"is_active": value}, queryset=User.objects.all()).qs
    assert {u.username for u in found} == expected


def _options(body: str, name: str) -> list[tuple[str, bool, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return [
        (value, "selected" in attrs, label.strip())
        for value, attrs, label in re.findall(
            r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', select
        )
    ]


def test_scan_list_offers_all_yes_no(client, users):
    client.force_login(users["command"])
    url = reverse("venues:scan_list")
    body = client.get(url).content.decode()
    assert _options(body, "admitted") == [
        ("", True, "全部"),
        ("true", False, "是"),
        ("false", False, "否"),
    ]
    assert "未知" not in body
    assert _options(body, "direction")[0] == ("", True, "全部")
    body = client.get(url, {"admitted": "false"}).content.decode()
    assert _options(body, "admitted") == [
        ("", False, "全部"),
        ("true", False, "是"),
        ("false", True, "否"),
    ]


def _filtersets():
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("fangkong."):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(f"{config.name}.filtersets")
    todo, seen = [django_filters.FilterSet], set()
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [fs for fs in seen if fs.__module__.startswith("fangkong.")]


def test_every_yes_no_filter_of_the_lists_is_a_yes_no_filter():
    """One reading of yes and no everywhere: an undeclared boolean field in a FilterSet's
    ``Meta.fields`` gets django-filter's own, which lists every row for ``yes``."""
    plain = [
        f"{fs.__name__}.{name}"
        for fs in _filtersets()
        for name, flt in fs.base_filters.items()
        if isinstance(flt, django_filters.BooleanFilter) and not isinstance(flt, YesNoFilter)
    ]
    assert len(_filtersets()) > 40
    assert plain == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("是", True), ("1", True), ("no", False), ("否", False), ("0", False)],
)
def test_yes_no_spellings(value, expected):
    assert yes_no(value) is expected
    with pytest.raises(ValueError):
        yes_no("maybe")
