"""Every generic list is ordered before it is paged: stable pages, no UnorderedObjectListWarning."""

import pytest
from django.contrib.auth.models import Permission
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import get_resolver

from fangkong.core.views.generic import ObjectListView


def _list_views():
    seen = {}

    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns)
                continue
            cls = getattr(p.callback, "view_class", None)
            takes_args = bool(getattr(p.pattern, "converters", None))  # e.g. a campaign's list
            if cls is not None and not takes_args and issubclass(cls, ObjectListView):
                seen.setdefault(cls.__qualname__ + "@" + cls.__module__, cls)

    walk(get_resolver().url_patterns)
    return sorted(seen.items())


LIST_VIEWS = _list_views()


def test_the_walk_finds_the_lists():
    names = {name.split("@")[0] for name, _ in LIST_VIEWS}
    assert {"BuildingListView", "HouseholdListView", "ScanListView"} <= names


@pytest.mark.parametrize(("name", "view_class"), LIST_VIEWS, ids=[n for n, _ in LIST_VIEWS])
def test_list_queryset_is_ordered(users, name, view_class):
    user = users["command"]
    user.user_permissions.set(Permission.objects.all())
    user = type(user).objects.get(pk=user.pk)  # drop the permission cache
    request = RequestFactory().get("/")
    request.user = user
    view = view_class()
    view.setup(request)
    qs, _ = view.filter(request, QueryDict())
    assert qs.ordered, name
