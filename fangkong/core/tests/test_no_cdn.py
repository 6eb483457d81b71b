"""No page and no stylesheet it loads may point outside the site (intranets have no internet).

Logs in as the command office and GETs every URL without parameters plus the detail and edit
pages of one object of each kind; any ``src=``, ``href=``, ``action=`` or CSS ``url(`` to
``http://``, ``https://`` or ``//host`` fails, in the page or in the CSS files it links.
"""

import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services

ATTR = re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*([^"'\s>]+)""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""", re.I)
CSS_IMPORT = re.compile(r"""@import\s+["']([^"']+)["']""", re.I)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
# Not pages here: POST-only actions and the language switch; the login page has its own test.
SKIP_NAMES = {"login", "logout", "set_language", "core:audit_verify"}  # login: own test
# Under /api/ only the documentation pages are HTML; the rest is JSON and the schema YAML.
API_PAGES = {"/api/v1/docs/", "/api/v1/redoc/"}


def is_external(url: str) -> bool:
    url = url.strip()
    if url.startswith(("data:", "#", "mailto:", "javascript:")):
        return False
    return bool(EXTERNAL.match(url))


def plain_urls(resolver=None, prefix="", namespace=""):
    """Names and paths of every URL pattern without parameters."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if p.pattern.converters or p.pattern.regex.groups:
                continue
            ns = p.namespace or namespace
            yield from plain_urls(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            if p.pattern.converters or p.pattern.regex.groups:
                continue
            route = prefix + str(p.pattern)
            if any(ch in route for ch in "^$\\(["):
                continue
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, "/" + route


def external_refs_in_css(path: str, seen: set) -> list[str]:
    if path in seen:
        return []
    seen.add(path)
    found = finders.find(path.removeprefix("/static/").split("?")[0])
    assert found, f"stylesheet {path} is not a local static file"
    with open(found, encoding="utf-8") as fh:
        text = fh.read()
    bad = [u for u in CSS_URL.findall(text) + CSS_IMPORT.findall(text) if is_external(u)]
    base = path.rsplit("/", 1)[0]
    for imp in CSS_IMPORT.findall(text):
        if not is_external(imp):
            bad += external_refs_in_css(f"{base}/{imp}", seen)
    return bad


@pytest.fixture
def objects(users, areas):
    actor = users["command"]
    household = services.create_household(actor=actor, area=areas["grid_a"], number="1-101")
    services.create_building(actor=actor, area=areas["grid_a"], name="1栋")
    resident = services.create_resident(
        actor=actor,
        data={
            "area": areas["grid_a"],
            "household": household,
            "name": "张三",
            "id_number": make_id_number(birth=datetime.date(1980, 1, 1)),
        },
    )
    return {"resident": resident, "household": household, "area": areas["grid_a"]}


def test_is_external():
    assert is_external("https://cdn.example.com/x.js")
    assert is_external("//cdn.example.com/x.css")
    assert is_external("HTTP://example.com")
    assert not is_external("/static/vendor/bootstrap/css/bootstrap.min.css")
    assert not is_external("fonts/bootstrap-icons.woff2?abc")
    assert not is_external("data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'%3e")


def test_no_page_loads_anything_from_outside(client, users, objects):
    client.force_login(users["command"])
    pages = {
        path
        for name, path in plain_urls()
        if name not in SKIP_NAMES and (not path.startswith("/api/") or path in API_PAGES)
    }
    pages |= {
        reverse("registry:resident_detail", args=[objects["resident"].pk]),
        reverse("registry:resident_edit", args=[objects["resident"].pk]),
        reverse("registry:resident_delete", args=[objects["resident"].pk]),
        reverse("registry:household_detail", args=[objects["household"].pk]),
        reverse("areas:area_detail", args=[objects["area"].pk]),
        reverse("areas:area_edit", args=[objects["area"].pk]),
    }
    # The API documentation pages must be covered too.
    assert "/api/v1/docs/" in pages
    checked, stylesheets, problems = 0, set(), []
    for path in sorted(pages):
        response = client.get(path, headers={"Accept": "text/html"})
        if response.status_code in (405,):
            continue
        assert response.status_code == 200, (path, response.status_code)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        html = response.content.decode()
        for url in ATTR.findall(html) + CSS_URL.findall(html):
            if is_external(url):
                problems.append((path, url))
        for url in ATTR.findall(html):
            if url.split("?")[0].endswith(".css") and url.startswith("/static/"):
                stylesheets.add(url.split("?")[0])
    seen: set = set()
    for css in sorted(stylesheets):
        problems += [(css, u) for u in external_refs_in_css(css, seen)]
    assert problems == []
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in stylesheets
    assert "/static/vendor/bootstrap-icons/bootstrap-icons.min.css" in stylesheets
    assert checked >= 15


def test_login_page_is_local_too(client, db):
    html = client.get(reverse("login")).content.decode()
    assert [u for u in ATTR.findall(html) if is_external(u)] == []
    assert "/static/django_htmx/htmx-2.min.js" in html
