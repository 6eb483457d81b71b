"""The one-person path (one statement for every fact, one upsert, one audit statement) and
the batch path (one query per fact kind) agree on a generated population that exercises
every rule, on SQLite and PostgreSQL alike."""

import datetime
import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fangkong.core.audit import verify_chain
from fangkong.core.models import AuditEntry
from fangkong.health.models import Assignment, NucleicAcidTest
from fangkong.risk.models import RiskDesignation, RiskLevel
from fangkong.status import services
from fangkong.status.clock import at_local
from fangkong.status.engine import RULES
from fangkong.status.facts import Context, facts_from_one, load_facts
from fangkong.status.models import PersonStatus, StatusOverride, StatusPolicy
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident
from fangkong.tracing.models import Case, Contact

D = datetime.date
NOW = at_local(D(2020, 2, 20), 10)
EARLIER = NOW - datetime.timedelta(days=3, hours=5)
ORIGINS = ["", "湖北武汉", "重庆市万州区", "四川成都", "湖北省武汉市江岸区"]
KINDS = ["home_quarantine", "central_quarantine", "health_monitoring", "post_discharge"]


@pytest.fixture
def population(areas, users):
    """60 residents with seeded random facts of every kind, in three grids under policies
    that differ (a NAT window city-wide, shorter contact days and red-from-high in 米易县)."""
    rng = random.Random(20200123)
    command = users["command"]
    StatusPolicy.objects.create(area=areas["city"], nat_required_hours=48)
    StatusPolicy.objects.create(
        area=areas["miyi"], contact_days=7, risk_red_rank=3, nat_required_hours=72
    )
    high, medium = RiskLevel.objects.get(rank=3), RiskLevel.objects.get(rank=2)
    for name, code, level, start, end in (
        ("武汉市", "4201", high, D(2020, 1, 23), None),
        ("万州区", "500101", medium, D(2020, 2, 1), None),
        ("成都市", "5101", high, D(2020, 1, 1), D(2020, 1, 20)),  # over before any arrival
    ):
        RiskDesignation.objects.create(
            place_name=name,
            place_code=code,
            level=level,
            effective_from=at_local(start, 0),
            effective_to=at_local(end, 0) if end else None,
            set_by=command,
            reason="测试",
        )
    grids = [areas["grid_a"], areas["grid_b"], areas["grid_c"]]
    people = []
    for n in range(60):
        origin = rng.choice(ORIGINS)
        arrival = D(2020, 2, 20) - datetime.timedelta(days=rng.randrange(-2, 25))
        people.append(
            make_resident(
                grids[n % 3],
                name=f"居民{n}",
                origin=origin,
                arrival_date=arrival if origin else None,
            )
        )
    cases = []
    for n, person in enumerate(rng.sample(people, 10)):
        cases.append(
            Case.objects.create(
                resident=person,
                code=f"C-{n:02d}" if n % 3 else None,  # no code: labelled by id
                kind="confirmed" if n % 2 else "asymptomatic",
                confirmed_at=EARLIER,
                status="active" if n % 4 else "recovered",
            )
        )
    for person in rng.sample(people, 25):
        Contact.objects.create(
            resident=person,
            case=rng.choice(cases),
            degree=rng.choice(["close", "secondary"]),
            last_exposure=D(2020, 2, 20) - datetime.timedelta(days=rng.randrange(0, 20)),
            state=rng.choice(["confirmed", "confirmed", "pending"]),
        )
    for person in rng.sample(people, 25):
        start = D(2020, 2, 20) + datetime.timedelta(days=rng.randrange(-20, 3))
        Assignment.objects.create(
            resident=person,
            kind=rng.choice(KINDS),
            start_date=start,
            end_date=start + datetime.timedelta(days=rng.randrange(0, 15)),
            state=rng.choice(["active", "active", "released"]),
        )
    for person, kind in zip(people[-4:], KINDS, strict=True):  # one in force of each kind
        Assignment.objects.create(
            resident=person, kind=kind, start_date=D(2020, 2, 15), end_date=D(2020, 2, 28)
        )
    for person in people:
        for _ in range(rng.randrange(0, 4)):
            NucleicAcidTest.objects.create(
                resident=person,
                sampled_at=NOW - datetime.timedelta(minutes=rng.randrange(30, 100 * 60)),
                result=rng.choice(["negative"] * 6 + ["positive", "pending"]),
                institution="测试机构",
                review=rng.choice(["", "", "false_positive"]),
            )
    for person in rng.sample(people, 12):
        approved = rng.random() < 0.8
        StatusOverride.objects.create(
            resident=person,
            colour=rng.choice(["green", "yellow", "red"]),
            reason="测试调整",
            expires_at=NOW + datetime.timedelta(hours=rng.randrange(-30, 60)),
            state="approved" if approved else "pending",
            requested_by=users["grid_a"],
            requested_at=EARLIER,
            approved_by=users["street"] if approved else None,
            approved_at=EARLIER + datetime.timedelta(minutes=rng.randrange(0, 600)),
        )
    # Stored statuses from three days earlier, so both paths also compare with what is stored.
    recompute_status([p.pk for p in people[:40]], cause="首次", now=EARLIER)
    return people


def _normalised(facts):
    """Facts with their lists in one order (neither loader orders its rows)."""
    for name in (
        "active_cases",
        "confirmed_contacts",
        "active_assignments",
        "unresolved_positive_tests",
        "risk_stays",
        "approved_overrides",
    ):
        setattr(facts, name, sorted(getattr(facts, name), key=repr))
    return facts


def _one(rid: int, ctx: Context):
    with connection.cursor() as cursor:

        def execute(sql, params):
            cursor.execute(sql, params)
            return cursor.fetchall()

        return facts_from_one(services._read_one(execute, rid, ctx), ctx)


def _stored():
    return {
        ps.resident_id: (ps.colour, ps.reasons, ps.valid_until, ps.override_id, ps.area_id)
        for ps in PersonStatus.objects.all()
    }


def test_the_one_person_statement_loads_what_the_batch_loader_loads(population):
    ctx = Context.load(NOW)
    ids = sorted(p.pk for p in population)
    batch_facts, batch_rows = load_facts(ids, ctx)
    fired, overridden = set(), False
    for rid in ids:
        facts, row = _one(rid, ctx)
        assert _normalised(facts) == _normalised(batch_facts[rid]), rid
        assert row == batch_rows[rid], rid
        policy = ctx.policy_for(row.area_path)
        fired |= {rule for rule in RULES if rule(facts, policy, NOW).reasons}
        overridden |= any(o.expires_at > NOW for o in facts.approved_overrides)
    # The population is only a proof if every rule fired for someone.
    assert fired == set(RULES)
    assert overridden
    assert _one(max(ids) + 1000, ctx) is None


def test_one_by_one_stores_what_the_batch_stores(population):
    ids = sorted(p.pk for p in population)
    with transaction.atomic():
        batch = recompute_status(ids, cause="批量", now=NOW)
        by_batch = _stored()
        transaction.set_rollback(True)
    one = services.RecomputeResult()
    for rid in ids:
        one.add(recompute_status([rid], cause="逐个", now=NOW))
    assert _stored() == by_batch
    assert (one.evaluated, one.created, one.updated, one.changed) == (
        batch.evaluated,
        batch.created,
        batch.updated,
        batch.changed,
    )
    assert one.changed > 20
    # Nothing is left for the batch to change, and the chain holds the one-by-one entries.
    again = recompute_status(ids, cause="再次", now=NOW)
    assert (again.created, again.updated, again.changed) == (0, 0, 0)
    assert AuditEntry.objects.filter(reason="逐个").count() == one.changed
    assert verify_chain().ok


def test_an_unchanged_person_writes_nothing(population):
    rid = population[0].pk
    recompute_status([rid], cause="首次", now=NOW)
    entries = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        result = recompute_status([rid], cause="再次", now=NOW)
    assert (result.evaluated, result.created, result.updated, result.changed) == (1, 0, 0, 0)
    assert AuditEntry.objects.count() == entries
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPD"))]
    assert writes == []


def test_a_missing_resident_is_not_an_error(db):
    result = recompute_status([987654], cause="测试", now=NOW)
    assert (result.evaluated, result.changed) == (0, 0)
