"""Recomputation: batch fact loading, stored rows, audit per change, policies, expiry."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from fangkong.core.audit import verify_chain
from fangkong.core.models import AuditEntry
from fangkong.health.models import Assignment, NucleicAcidTest
from fangkong.registry.models import Resident
from fangkong.risk.models import RiskDesignation, RiskLevel
from fangkong.status.clock import at_local, start_of_day
from fangkong.status.engine import RULES_VERSION
from fangkong.status.models import PersonStatus, StatusPolicy
from fangkong.status.services import recompute_due, recompute_status, set_status_policy
from fangkong.status.testing import make_resident
from fangkong.tracing.models import Case, Contact

D = datetime.date
NOW = at_local(D(2020, 2, 20), 10)


def _statuses():
    return {ps.resident.name: ps.colour for ps in PersonStatus.objects.select_related("resident")}


@pytest.fixture
def scenario(areas, users):
    """Five residents, one fact kind each, created directly as rows."""
    a, c = areas["grid_a"], areas["grid_c"]
    r = {
        "case": make_resident(a, name="病例人"),
        "contact": make_resident(a, name="密接人"),
        "monitor": make_resident(a, name="监测人"),
        "returnee": make_resident(c, name="返乡人", origin="湖北武汉", arrival_date=D(2020, 2, 12)),
        "plain": make_resident(c, name="普通人"),
    }
    case = Case.objects.create(resident=r["case"], code="C-12", kind="confirmed", confirmed_at=NOW)
    Contact.objects.create(
        resident=r["contact"],
        case=case,
        degree="close",
        last_exposure=D(2020, 2, 17),
        state="confirmed",
    )
    Assignment.objects.create(
        resident=r["monitor"],
        kind="health_monitoring",
        start_date=D(2020, 2, 10),
        end_date=D(2020, 2, 23),
    )
    RiskDesignation.objects.create(
        place_name="武汉市",
        place_code="4201",
        level=RiskLevel.objects.get(rank=3),
        effective_from=at_local(D(2020, 1, 23), 0),
        set_by=users["command"],
        reason="国务院联防联控机制通报",
    )
    return r


def test_batch_recompute_stores_each_colour(scenario):
    result = recompute_status([r.pk for r in scenario.values()], cause="测试", now=NOW)
    assert (result.evaluated, result.created, result.updated, result.changed) == (5, 5, 0, 4)
    assert _statuses() == {
        "病例人": "red",
        "密接人": "red",
        "监测人": "yellow",
        "返乡人": "yellow",
        "普通人": "green",
    }
    ps = PersonStatus.objects.get(pk=scenario["contact"].pk)
    assert [r["text"] for r in ps.reasons] == ["红码：病例 C-12 的密切接触者，隔离至 2020-03-02"]
    assert ps.rules_version == RULES_VERSION
    assert ps.valid_until == start_of_day(D(2020, 3, 3))
    assert ps.area == scenario["contact"].area
    returnee = PersonStatus.objects.get(pk=scenario["returnee"].pk)
    assert returnee.reasons[0]["text"] == (
        "黄码：2020-02-12 自高风险地区“武汉市”抵达，观察至 2020-02-26"
    )


def test_one_query_per_fact_kind_whatever_the_batch_size(
    scenario, areas, django_assert_max_num_queries
):
    for i in range(40):
        make_resident(areas["grid_b"], name=f"居民{i}")
    ids = list(Resident.objects.values_list("pk", flat=True))
    assert len(ids) == 45
    # context: policies, designations (2); per batch: savepoint and release (2), lock,
    # residents, cases, contacts, assignments, positive tests, overrides (7), insert (1),
    # audit: savepoint, head lock, first-time head insert (2), entries, head update, release.
    with django_assert_max_num_queries(20):
        small = recompute_status(ids, cause="测试", now=NOW)
    assert small.evaluated == 45
    PersonStatus.objects.all().delete()
    with django_assert_max_num_queries(2 + 2 * 16):  # two batches, head exists now
        recompute_status(ids, cause="测试", now=NOW, batch_size=25)


def test_unchanged_rows_are_not_written_and_not_audited(scenario):
    ids = [r.pk for r in scenario.values()]
    recompute_status(ids, cause="首次", now=NOW)
    entries = AuditEntry.objects.count()
    again = recompute_status(ids, cause="再次", now=NOW + datetime.timedelta(minutes=5))
    assert (again.created, again.updated, again.changed) == (0, 0, 0)
    assert AuditEntry.objects.count() == entries


def test_every_status_change_is_audited_with_its_cause(scenario, users):
    recompute_status([scenario["monitor"].pk], cause="新增隔离/监测安排", now=NOW)
    entry = AuditEntry.objects.get(object_type="status.personstatus")
    assert entry.object_id == str(scenario["monitor"].pk)
    assert entry.action == "create"
    assert entry.object_repr == "监*人"
    assert entry.reason == "新增隔离/监测安排"
    assert entry.changes == {
        "colour": [None, "yellow"],
        "reasons": [[], ["黄码：健康监测中，至 2020-02-23"]],
    }
    code = PersonStatus.objects.get(pk=scenario["monitor"].pk).public_code
    later = start_of_day(D(2020, 2, 24))
    recompute_status([scenario["monitor"].pk], cause="到期自动重算", now=later)
    stored = PersonStatus.objects.get(pk=scenario["monitor"].pk)
    assert (stored.colour, stored.public_code, stored.computed_at) == ("green", code, later)
    last = AuditEntry.objects.filter(object_type="status.personstatus").order_by("-id").first()
    assert (last.action, last.reason) == ("update", "到期自动重算")
    assert last.changes["colour"] == ["yellow", "green"]
    assert verify_chain().ok


def test_due_recompute_picks_expired_rows_only(scenario):
    recompute_status([r.pk for r in scenario.values()], cause="首次", now=NOW)
    result = recompute_due(now=start_of_day(D(2020, 2, 24)))
    # monitoring ended 02-23 (due 02-24); contact due 03-03, returnee 02-27: not yet
    assert (result.evaluated, result.changed) == (1, 1)
    assert _statuses()["监测人"] == "green"
    assert _statuses()["密接人"] == "red"


def test_policy_applies_to_its_subtree_and_nearest_ancestor_wins(scenario, areas, users):
    StatusPolicy.objects.create(area=areas["city"], nat_required_hours=48)
    StatusPolicy.objects.create(area=areas["miyi"], nat_required_hours=None, contact_days=14)
    NucleicAcidTest.objects.create(
        resident=scenario["plain"],
        sampled_at=NOW - datetime.timedelta(hours=50),
        result="negative",
        institution="米易县人民医院",
    )
    plain_a = make_resident(areas["grid_a"], name="仁和人")
    recompute_status([scenario["plain"].pk, plain_a.pk], cause="测试", now=NOW)
    # grid_a inherits the city's 48 h rule; 米易县 has its own policy without it
    assert _statuses() == {"普通人": "green", "仁和人": "yellow"}


def test_set_status_policy_validates_and_recomputes_the_subtree(
    areas, users, django_capture_on_commit_callbacks
):
    r = make_resident(areas["grid_a"], name="仁和人")
    other = make_resident(areas["grid_c"], name="米易人")
    with pytest.raises(ValidationError) as e:
        set_status_policy(actor=users["street"], area=areas["street"], values={"contact_days": 0})
    assert e.value.message_dict == {"contact_days": ["接触者管控天数应为 1–60 的整数"]}
    with django_capture_on_commit_callbacks(execute=True):
        set_status_policy(
            actor=users["street"], area=areas["street"], values={"nat_required_hours": 48}
        )
    assert PersonStatus.objects.get(pk=r.pk).colour == "yellow"
    assert not PersonStatus.objects.filter(pk=other.pk).exists()


def test_grid_worker_cannot_set_a_policy(areas, users):
    with pytest.raises(PermissionDenied):
        set_status_policy(actor=users["grid_a"], area=areas["grid_a"], values={})
    assert StatusPolicy.objects.count() == 0


def test_recompute_status_command_all(scenario):
    call_command("recompute_status", "--all")
    assert PersonStatus.objects.count() == 5
    assert timezone.now() >= PersonStatus.objects.first().computed_at
