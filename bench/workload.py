"""The load test's mixed workload: one function per request type, with its weight.

Modules that add traffic (venue scans, the dashboard) register their own scenario here::

    @scenario("venue scan", weight=5)
    def venue_scan(client, ctx):
        client.post(f"/venues/{ctx.pick('venue_codes')}/scan/", ...)

``client`` is the locust ``HttpSession`` of one simulated user (a signed-in session cookie;
API calls add ``ctx.api_headers``);
``ctx`` holds what the fixture created (ids, codes) and the user's random generator. Each
request is named by the scenario, so the report gives p50/p99 per request type.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Context:
    """What a simulated user knows: the fixture's ids and its own random generator."""

    data: dict
    rng: random.Random = field(default_factory=random.Random)

    @property
    def api_headers(self) -> dict:
        return {"Authorization": f"Token {self.data['token']}"}

    def pick(self, key: str):
        return self.rng.choice(self.data[key])


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: int
    run: Callable


SCENARIOS: list[Scenario] = []


def scenario(name: str, *, weight: int) -> Callable:
    def wrap(fn: Callable) -> Callable:
        SCENARIOS.append(Scenario(name, weight, fn))
        return fn

    return wrap


def _check(response, *ok: int) -> None:
    if response.status_code not in (ok or (200,)):
        response.failure(f"HTTP {response.status_code}")
    else:
        response.success()


@scenario("health check-in (API)", weight=4)
def health_checkin(client, ctx: Context) -> None:
    # A new slot each time: within a day's two slots, then further back in the assignment.
    day = dt.date.fromisoformat(ctx.data["checkin_start"]) + dt.timedelta(
        days=ctx.rng.randrange(ctx.data["checkin_days"])
    )
    body = {
        "assignment": ctx.pick("assignment_ids"),
        "date": day.isoformat(),
        "slot": ctx.rng.choice(["am", "pm"]),
        "temperature": ctx.rng.choice(["36.4", "36.6", "36.8", "37.0"]),
    }
    with client.post(
        "/api/v1/check-ins/",
        json=body,
        headers=ctx.api_headers,
        name="health check-in (API)",
        catch_response=True,
    ) as r:
        _check(r, 200, 201)


@scenario("resident search (pinyin)", weight=3)
def resident_search(client, ctx: Context) -> None:
    with client.get(
        "/registry/residents/",
        params={"q": ctx.pick("search_terms")},
        name="resident search (pinyin)",
        catch_response=True,
    ) as r:
        _check(r)


@scenario("resident list", weight=2)
def resident_list(client, ctx: Context) -> None:
    page = ctx.rng.randint(1, 5)
    with client.get(
        "/registry/residents/", params={"page": page}, name="resident list", catch_response=True
    ) as r:
        _check(r)


@scenario("status lookup (API)", weight=3)
def status_lookup(client, ctx: Context) -> None:
    with client.get(
        f"/api/v1/statuses/{ctx.pick('resident_ids')}/",
        headers=ctx.api_headers,
        name="status lookup (API)",
        catch_response=True,
    ) as r:
        _check(r)


@scenario("venue scan (API batch)", weight=4)
def venue_scan(client, ctx: Context) -> None:
    # A checkpoint device sending each scan as it happens (a batch of one; the device makes
    # the record's id, so a resend after a timeout is answered "duplicate").
    record = {
        "id": str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4)),
        "venue": ctx.pick("venue_codes"),
        "scanned_at": dt.datetime.now(dt.UTC).isoformat(),
        "id_number": ctx.pick("visitor_ids"),
        "name": "访客",
    }
    with client.post(
        "/api/v1/scans/batch/",
        json={"source": "device", "records": [record]},
        headers=ctx.api_headers,
        name="venue scan (API batch)",
        catch_response=True,
    ) as r:
        _check(r)


@scenario("dashboard", weight=1)
def dashboard(client, ctx: Context) -> None:
    with client.get("/dashboard/", name="dashboard", catch_response=True) as r:
        _check(r)
