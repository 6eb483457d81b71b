"""The per-process configuration cache: reused while unchanged, reloaded after any change
made through the services, and one person's recomputation stays a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.core import generations
from fangkong.health.models import NucleicAcidTest
from fangkong.risk.models import RiskLevel
from fangkong.risk.services import set_risk_level
from fangkong.status import facts
from fangkong.status.clock import at_local
from fangkong.status.models import PersonStatus
from fangkong.status.services import recompute_status, set_status_policy
from fangkong.status.testing import make_resident

D = datetime.date
NOW = at_local(D(2020, 2, 20), 10)


def test_stamp_changes_with_every_bump(db):
    before = generations.stamp(facts.CONTEXT_KEYS)
    generations.bump(generations.RISK)
    generations.bump(generations.RISK)
    generations.bump(generations.AREAS)
    assert generations.stamp(facts.CONTEXT_KEYS) == before + 3
    assert generations.stamp([generations.STATUS_POLICY]) == 0


def test_designation_through_the_service_reaches_a_cached_context(users, areas):
    person = make_resident(
        areas["grid_a"], name="返乡人", origin="湖北武汉", arrival_date=D(2020, 2, 12)
    )
    recompute_status([person.pk], cause="测试", now=NOW)
    assert PersonStatus.objects.get(pk=person.pk).colour == "green"
    assert facts._loaded is not None  # the context is cached now

    set_risk_level(
        actor=users["command"],
        level=RiskLevel.objects.get(rank=3),
        effective_from=at_local(D(2020, 1, 23), 0),
        reason="测试",
        place_name="武汉市",
        place_code="4201",
    )
    recompute_status([person.pk], cause="测试", now=NOW)
    assert PersonStatus.objects.get(pk=person.pk).colour != "green"


def test_policy_through_the_service_reaches_a_cached_context(users, areas):
    person = make_resident(areas["grid_a"], name="无核酸")
    recompute_status([person.pk], cause="测试", now=NOW)
    assert PersonStatus.objects.get(pk=person.pk).colour == "green"

    set_status_policy(actor=users["command"], area=areas["city"], values={"nat_required_hours": 48})
    recompute_status([person.pk], cause="测试", now=NOW)
    status = PersonStatus.objects.get(pk=person.pk)
    assert status.colour == "yellow"
    assert "48" in status.reasons[0]["text"]


@pytest.mark.django_db(transaction=True)
def test_one_person_costs_a_fixed_number_of_queries(users, areas):
    set_status_policy(actor=users["command"], area=areas["city"], values={"nat_required_hours": 48})
    person = make_resident(areas["grid_a"], name="待检测")
    recompute_status([person.pk], cause="测试", now=NOW)  # warm the cache; status is yellow
    NucleicAcidTest.objects.create(
        resident=person,
        sampled_at=NOW - datetime.timedelta(hours=3),
        result="negative",
        institution="测试机构",
    )
    with CaptureQueriesContext(connection) as ctx:
        recompute_status([person.pk], cause="测试", now=NOW)
    assert PersonStatus.objects.get(pk=person.pk).colour == "green"
    sql = [q["sql"] for q in ctx.captured_queries]
    # One statement for the resident (with the stamp and the stored status) and every fact,
    # the upsert, and the audit entry — nothing for the context. PostgreSQL: the resident's
    # lock, then the head's first-entry insert and one statement for the entry; SQLite (no row
    # locks): the chain's lock, insert and head.
    assert not any("status_statuspolicy" in q or "risk_riskdesignation" in q for q in sql), sql
    assert not any("SAVEPOINT" in q for q in sql), sql
    statements = [q for q in sql if not q.startswith(("BEGIN", "COMMIT"))]
    assert len(statements) == 5, "\n".join(statements)
