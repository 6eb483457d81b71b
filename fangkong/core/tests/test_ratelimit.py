"""One rate-limit mechanism (``core/ratelimit.py``): who the client is, and counters that
count every attempt — the public forms, the sign-in guard and the API token throttle."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.core import ratelimit
from fangkong.volunteers.testing import signup_form

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _request(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().post("/", REMOTE_ADDR=remote, **extra)


def test_the_peer_address_is_the_client_unless_a_proxy_is_trusted(settings):
    settings.FANGKONG_TRUST_X_FORWARDED_FOR = False
    assert ratelimit.client_address(_request("10.0.0.1", "203.0.113.5")) == "10.0.0.1"
    settings.FANGKONG_TRUST_X_FORWARDED_FOR = True
    assert ratelimit.client_address(_request("10.0.0.1", "203.0.113.5")) == "203.0.113.5"
    assert ratelimit.client_address(_request("10.0.0.1")) == "10.0.0.1"
    assert ratelimit.client_address(None) == ""


def test_a_client_cannot_choose_its_address_through_the_header_it_sends(settings):
    """The proxy appends the address it saw; what the client wrote before it is not counted."""
    settings.FANGKONG_TRUST_X_FORWARDED_FOR = True
    verdicts = [
        ratelimit.hit(_request("10.0.0.1", f"192.0.2.{n}, 203.0.113.5"), "form", limit=3, window=60)
        for n in range(5)
    ]
    assert verdicts == [True, True, True, False, False]
    assert ratelimit.hit(_request("10.0.0.1", "203.0.113.6"), "form", limit=3, window=60)


def test_counters_count_per_scope_and_hide_the_address():
    key = ratelimit.key("form", "203.0.113.5")
    assert "203.0.113.5" not in key
    assert [ratelimit.bump(key, 60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.bump(ratelimit.key("other", "203.0.113.5"), 60) == 1


def test_a_public_form_behind_a_trusted_proxy_limits_each_client(client, areas, settings):
    settings.FANGKONG_TRUST_X_FORWARDED_FOR = True
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    rng = random.Random(5)
    for n in range(5):  # accepted sign-ups are what the limit counts
        response = client.post(
            "/volunteers/signup/",
            signup_form(areas["community"], rng),
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7",
            **proxy,
        )
        assert "报名已提交" in response.content.decode()
    refused = client.post(
        "/volunteers/signup/", {"name": ""}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
    )
    assert refused.status_code == 429
    # Another client behind the same proxy is not refused for it.
    other = client.post(
        "/volunteers/signup/", {"name": ""}, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy
    )
    assert other.status_code == 200


def test_the_token_throttle_counts_every_request_and_says_when_to_retry(users):
    api = APIClient()
    for _ in range(10):
        api.post(TOKEN, {"username": "grid_a", "password": "wrong"}, format="json")
    key = ratelimit.key("auth-token", "127.0.0.1")
    assert cache.get(key) == 10
    refused = api.post(TOKEN, {"username": "grid_a", "password": "wrong"}, format="json")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert cache.get(key) == 11


def test_a_counters_window_runs_from_its_first_event():
    """Counting again keeps the window's end: a client retrying every few seconds is let in
    again once the window has passed (each count pushed it five minutes on before)."""
    from django.db import connection

    from fangkong.core.cache import TABLE, _as_datetime

    def expires() -> datetime.datetime:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT expires FROM {TABLE}")  # noqa: S608
            (value,) = cursor.fetchone()
        return _as_datetime(value, connection)

    key = ratelimit.key("form", "203.0.113.7")
    assert ratelimit.bump(key, 60) == 1
    first = expires()
    assert first - timezone.now() <= datetime.timedelta(seconds=60)
    assert [ratelimit.bump(key, 60) for _ in range(3)] == [2, 3, 4]
    assert abs((expires() - first).total_seconds()) < 1
