"""CSRF behind an HTTPS proxy: each public form can be sent by a browser, given the
Referrer-Policy its own page sets (under ``no-referrer`` a browser posts ``Origin: null``,
which Django's CSRF check refuses, so the form could never be sent)."""

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.core.middleware import is_public_view
from fangkong.core.testing import pages, urlmap

HOST = "fangkong.example.cn"
PROXY = {"X-Forwarded-Proto": "https"}  # what the reverse proxy adds (settings/prod.py)


@pytest.fixture
def https(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = [HOST]
    return Client(enforce_csrf_checks=True, HTTP_HOST=HOST)


def submit(client: Client, path: str, data: dict | None = None):
    """GET the page over HTTPS, then POST its form as a browser would; ``None`` when the page
    shows no POST form."""
    page = client.get(path, headers=PROXY)
    if page.status_code >= 400 or not page.get("Content-Type", "").startswith("text/html"):
        return None
    html = page.content.decode()
    if not pages.POST_FORM.search(html):
        return None
    headers = PROXY | pages.form_post_headers(f"https://{HOST}{path}", page.get("Referrer-Policy"))
    token = client.cookies["csrftoken"].value
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": token}, headers=headers)


def test_browser_headers_follow_the_referrer_policy():
    url = f"https://{HOST}/health/report/t/"
    assert pages.form_post_headers(url, "no-referrer") == {"Origin": "null"}
    assert pages.form_post_headers(url, "same-origin") == {
        "Origin": f"https://{HOST}",
        "Referer": url,
    }
    assert pages.form_post_headers(url, "no-referrer, strict-origin")["Referer"] == (
        f"https://{HOST}/"
    )


@pytest.mark.django_db
def test_the_check_refuses_a_form_posted_under_no_referrer(https, users):
    """The model above is right about Django: ``Origin: null`` fails over HTTPS."""
    page = https.get(reverse("login"), headers=PROXY)
    assert page.status_code == 200
    token = https.cookies["csrftoken"].value
    data = {"username": "command", "password": "x", "csrfmiddlewaretoken": token}
    refused = https.post(reverse("login"), data, headers=PROXY | {"Origin": "null"})
    assert refused.status_code == 403
    no_referer = https.post(reverse("login"), data, headers=PROXY)  # HTTPS needs a Referer
    assert no_referer.status_code == 403


@pytest.mark.django_db
def test_every_public_form_can_be_sent_over_https(https, users):
    sent = []
    for entry in urlmap.walk():
        if not is_public_view(entry.callback):
            continue
        response = submit(https, entry.path)
        if response is not None:
            assert response.status_code != 403, entry.path
            sent.append(entry.name)
    assert {"login", "tips:submit", "volunteers:signup"} <= set(sent)


@pytest.mark.django_db
def test_health_self_report_can_be_sent_over_https(https, areas, users):
    import datetime

    from django.utils import timezone

    from fangkong.health.services import create_assignment
    from fangkong.status.testing import make_resident

    today = timezone.localdate()
    assignment = create_assignment(
        actor=users["community"],
        resident=make_resident(areas["grid_a"], name="欧阳明月"),
        kind="home_quarantine",
        start_date=today,
        end_date=today + datetime.timedelta(days=7),
    )
    path = reverse("health:self_report", args=[assignment.checkin_token])
    response = submit(https, path, {"date": today.isoformat(), "slot": "am", "temperature": "36.6"})
    assert response is not None and response.status_code == 200
    assert response.context["done"] is True
    # The token is in the URL: the page must still not leak it to other sites.
    assert https.get(path, headers=PROXY)["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_venue_scan_page_can_be_sent_over_https(https, areas, users):
    from fangkong.venues import services
    from fangkong.venues.choices import VenueKind

    venue = services.create_venue(
        actor=users["community"],
        data={"area": areas["grid_a"], "name": "海棠农贸市场", "kind": VenueKind.MARKET},
    )
    path = reverse("venues:public_scan", args=[venue.code])
    response = submit(https, path, {"name": "张三"})
    assert response is not None and response.status_code != 403
