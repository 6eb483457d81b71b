"""The project's URL map as a flat list of concrete paths, for tests that walk every URL.

Each entry gives a path with sample values in place of its converters (``<int:pk>`` → 1,
DRF's ``(?P<pk>[^/.]+)`` → 1, ``.json`` for format suffixes), the view callback, and the
view's class where it has one, so the security tests cover apps added later without edits.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from fangkong.core.middleware import view_class_of, view_label

SAMPLE_UUID = uuid.UUID("00000000-0000-4000-8000-000000000001")
_CONVERTER_SAMPLES = {"int": "1", "str": "x", "slug": "x", "uuid": str(SAMPLE_UUID), "path": "x"}
_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class UrlEntry:
    path: str
    name: str  # "namespace:name", or "" for unnamed patterns
    callback: object

    @property
    def view_class(self):
        return view_class_of(self.callback)

    @property
    def label(self) -> str:
        target = self.view_class or self.callback
        return view_label(target)


def _route_sample(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)

        def sub(m: re.Match) -> str:
            return _CONVERTER_SAMPLES.get(m.group("conv") or "str", "1")

        return _ROUTE_PARAM.sub(sub, route)
    if isinstance(pattern, RegexPattern):
        regex = pattern.regex.pattern

        def group(m: re.Match) -> str:
            return "json" if m.group("name") == "format" else "1"

        text = _REGEX_GROUP.sub(group, regex)
        text = text.lstrip("^").rstrip("$").replace("\\Z", "")
        text = text.replace("/?", "/").replace("\\.", ".").replace("\\-", "-")
        return text
    raise TypeError(f"unknown URL pattern type {type(pattern)!r}")


def walk(resolver=None, prefix: str = "/", namespace: str = "") -> list[UrlEntry]:
    """Every URL pattern of the project (or of ``resolver``) with a sample path."""
    resolver = resolver or get_resolver()
    entries: list[UrlEntry] = []
    for p in resolver.url_patterns:
        part = _route_sample(p.pattern)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            entries.extend(walk(p, prefix + part, ns))
        elif isinstance(p, URLPattern):
            name = ""
            if p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
            entries.append(UrlEntry(prefix + part, name, p.callback))
    return entries


def _one_param(path: str) -> bool:
    return path.split("/").count("1") == 1


def with_pk(path: str, pk) -> str:
    """A sample path with its one parameter set to ``pk``."""
    return "/".join(str(pk) if part == "1" else part for part in path.split("/"))


def model_endpoints(*, scoped_only: bool = False) -> dict[str, dict[str, list[str]]]:
    """The pages and API endpoints that show rows of each model, by model label:
    ``{"api_list"|"api_detail"|"html_list"|"html_detail"|"html_view": [sample paths]}``.

    ``html_detail`` are generic detail pages, ``html_view`` every generic view with one
    object parameter (detail, edit, delete); lists with parameters are left out.
    """
    from fangkong.core.api.views import ScopedGenericViewSet
    from fangkong.core.views.generic import BaseObjectView, ObjectDetailView, ObjectListView

    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for e in walk():
        cls = e.view_class
        model = getattr(cls, "model", None)
        if model is None:
            continue
        # A shared catalogue declares ``area_scoped = False`` on its queryset.
        scoped = hasattr(model.objects, "visible_to") and getattr(
            model.objects.all(), "area_scoped", True
        )
        if scoped_only and not scoped:
            continue
        label = model._meta.label_lower
        no_param = "1" not in e.path.split("/")
        if issubclass(cls, ScopedGenericViewSet) and not e.path.endswith(".json/"):
            action = getattr(e.callback, "actions", {}).get("get")
            if action == "list" and no_param:
                found[label]["api_list"].append(e.path)
            elif action == "retrieve" and _one_param(e.path):
                found[label]["api_detail"].append(e.path)
        elif issubclass(cls, ObjectListView):
            if no_param:  # a list under another object (a campaign's visits) is left out
                found[label]["html_list"].append(e.path)
        elif issubclass(cls, BaseObjectView) and _one_param(e.path):
            found[label]["html_view"].append(e.path)
            if issubclass(cls, ObjectDetailView):
                found[label]["html_detail"].append(e.path)
    return {k: dict(v) for k, v in found.items()}
