"""Secure headers on every response, no inline script/style in templates or rendered pages,
and a CSRF token in every POST form."""

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.core.middleware import CONTENT_SECURITY_POLICY, public
from fangkong.core.testing import pages, urlmap


def assert_secure_headers(response, *, csp: str | None = CONTENT_SECURITY_POLICY):
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    if csp is not None:
        assert response["Content-Security-Policy"] == csp


def test_csp_forbids_inline_script():
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_headers_on_anonymous_pages(client):
    assert_secure_headers(client.get(reverse("login")))
    assert_secure_headers(client.get("/"))  # the redirect to login
    assert_secure_headers(client.get("/api/v1/residents/"))  # 401 JSON
    assert_secure_headers(client.get("/no-such-page/"))


def test_templates_have_no_inline_script_or_style():
    files = pages.template_files()
    assert len(files) > 30
    offenders = {str(f): pages.inline_markup(f.read_text()) for f in files}
    offenders = {f: what for f, what in offenders.items() if what}
    assert not offenders


def test_inline_markup_check_can_fail():
    assert pages.inline_markup('<a href="javascript:x()">') == ["javascript: URL"]
    assert pages.inline_markup("<button onclick='x()'>") == ["on* attribute"]
    assert pages.inline_markup("<script>alert(1)</script>") == ["inline <script>"]
    assert pages.inline_markup('<script src="/static/a.js"></script>') == []


def test_every_post_form_in_templates_has_csrf_token():
    missing = {}
    for f in pages.template_files():
        forms = pages.post_forms_without_token(f.read_text(), "{% csrf_token %}")
        if forms:
            missing[str(f)] = forms
    assert not missing
    assert pages.post_forms_without_token('<form method="post"><input></form>', "csrf") == [
        '<form method="post">'
    ]


@pytest.mark.django_db
def test_rendered_pages_are_clean(client, users):
    """Every page without URL parameters, as the command office sees it."""
    client.force_login(users["command"])
    seen = 0
    for entry in urlmap.walk():
        if "1" in entry.path.split("/") or entry.path.startswith(("/static/", "/i18n/")):
            continue  # needs an object; the per-model walk renders those
        if entry.path in ("/api/v1/docs/", "/api/v1/redoc/"):
            response = client.get(entry.path)
            assert "unsafe-inline" in response["Content-Security-Policy"]  # their own policy
            assert_secure_headers(response, csp=None)
            continue
        response = client.get(entry.path)
        assert response.status_code < 500, entry.path
        assert_secure_headers(response)
        if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            html = response.content.decode()
            assert not pages.inline_markup(html), entry.path
            assert not pages.post_forms_without_token(html, 'name="csrfmiddlewaretoken"')
            seen += 1
    assert seen > 15


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(users):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "command", "password": "x"})
    assert response.status_code == 403
    client.force_login(users["command"])
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "pw-for-tests-only", "new_password1": "x", "new_password2": "x"},
    )
    assert response.status_code == 403
    # With the token the same client gets through to the form.
    page = client.get(reverse("accounts:password_change"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200


def test_public_decorator_registers():
    from fangkong.core.middleware import PUBLIC_VIEWS

    def sample_view(request):
        return None

    public(sample_view)
    assert f"{__name__}.test_public_decorator_registers.<locals>.sample_view" in PUBLIC_VIEWS
    PUBLIC_VIEWS.discard(f"{__name__}.test_public_decorator_registers.<locals>.sample_view")
