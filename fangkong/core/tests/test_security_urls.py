"""Every URL in the project turns an anonymous visitor away, except the views marked
``@public`` (``core.middleware.PUBLIC_VIEWS``) and the static/language prefixes."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import Resolver404, URLResolver, path, resolve
from django.urls.resolvers import RegexPattern

from fangkong.core.middleware import PUBLIC_PREFIXES, PUBLIC_VIEWS, is_public_view
from fangkong.core.testing import urlmap

# The reviewed public pages of this codebase. Apps that land later add theirs with @public;
# the walk below needs no edit, this list only proves the known ones stay public.
KNOWN_PUBLIC = {
    "login",
    "logout",
    "api-token",
    "set_language",
    "health:self_report",
    "verify:certificate",
    "status:personal",
    "venues:public_scan",
    "tips:submit",
    "volunteers:signup",
}


def _is_public(entry: urlmap.UrlEntry) -> bool:
    return is_public_view(entry.callback) or entry.path.startswith(PUBLIC_PREFIXES)


def test_url_map_is_walked_whole():
    entries = urlmap.walk()
    names = {e.name for e in entries}
    assert {"home", "login", "core:audit_list", "api-schema"} <= names
    for e in entries:
        try:
            match = resolve(e.path)
        except Resolver404:  # pragma: no cover - the message names the pattern
            pytest.fail(f"sample path {e.path} for {e.name or e.label} does not resolve")
        # A sample may be caught by an earlier, wider pattern; it must at least resolve.
        assert match.func is not None


def test_known_public_views_are_registered():
    public = {e.name for e in urlmap.walk() if _is_public(e)}
    assert public >= KNOWN_PUBLIC
    labels = {e.label for e in urlmap.walk() if is_public_view(e.callback)}
    assert labels <= PUBLIC_VIEWS


def anonymous_offenders(client) -> tuple[int, list[str]]:
    login_path = resolve_url(settings.LOGIN_URL)
    checked, offenders = 0, []
    for entry in urlmap.walk():
        if _is_public(entry):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(entry.path)
            checked += 1
            if response.status_code in (401, 403):
                continue
            if response.status_code == 302 and urlsplit(response["Location"]).path == login_path:
                continue
            label = entry.name or entry.label
            offenders.append(f"{method.upper()} {entry.path} ({label}) → {response.status_code}")
    return checked, offenders


@pytest.mark.django_db
def test_every_other_url_needs_login(client):
    checked, offenders = anonymous_offenders(client)
    assert not offenders, "reachable without login and not @public:\n" + "\n".join(offenders)
    assert checked > 50


@pytest.mark.django_db
def test_walk_fails_when_a_view_escapes_the_login_check(settings):
    """Without the login middleware, views that do not check themselves are reported."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "fangkong.core.middleware.LoginRequiredMiddleware"
    ]
    _checked, offenders = anonymous_offenders(Client(raise_request_exception=False))
    assert any("GET / (home)" in o for o in offenders)


@pytest.mark.django_db
def test_public_views_answer_anonymous_without_error(client):
    for entry in urlmap.walk():
        if not is_public_view(entry.callback):
            continue
        response = client.get(entry.path)
        assert response.status_code < 500, entry.path


def test_walk_fills_converters():
    def leaky(request):
        return HttpResponse("open")

    module = type("M", (), {"urlpatterns": [path("leak/<int:pk>/<uuid:u>/", leaky)]})
    entries = urlmap.walk(URLResolver(RegexPattern(r"^/"), module))
    assert [e.path for e in entries] == [f"/leak/1/{urlmap.SAMPLE_UUID}/"]
    assert not _is_public(entries[0])
