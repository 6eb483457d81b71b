import pytest

from bench import dataset
from bench.status import DISTRICT, build_fixture, measure_list, measure_one
from bench.status_cli import STATUS_MARKER, DbResult, render, update_docs
from bench.steps import setup_areas
from fangkong.registry.models import Resident
from fangkong.status.facts import forget_configuration
from fangkong.status.models import PersonStatus
from fangkong.status.services import recompute_all


@pytest.fixture
def status_city(db, tmp_path):
    setup_areas()
    path = dataset.write_csv(tmp_path / "r.csv", 600, seed=5)
    counts = build_fixture(path, 600, seed=5)
    forget_configuration()  # another test's rolled-back configuration may share its stamp
    return counts


def test_status_bench_at_tiny_size(status_city):
    assert status_city == {
        "residents": 600,
        "assignments": 60,
        "nat_tests": 300,
        "cases": 1,
        "contacts": 10,
        "risk_designations": 2,
    }
    first = Resident.objects.order_by("pk").first()
    assert len(first.id_number) == 18 and first.id_number_index  # decrypts; indexed

    result = recompute_all(cause="bench")
    assert (result.evaluated, result.created, result.updated) == (600, 600, 0)
    in_district = PersonStatus.objects.filter(area__path__startswith=f"510400/{DISTRICT}/")
    lists = [measure_list(colour, repeats=2) for colour in ("yellow", "red", "green")]
    assert sum(x["count"] for x in lists) == in_district.count() > 0
    assert [x["count"] for x in lists] == [
        in_district.filter(colour=c).count() for c in ("yellow", "red", "green")
    ]

    one = measure_one(runs=3)
    assert (one["runs"], one["changed"]) == (3, 3)
    assert one["recompute_ms_median"] > 0

    row = DbResult("SQLite", "3", measure={"lists": lists, "one": one})
    section = render([row], 600, "python -m bench status", {"CPU": "x"}, [])
    assert "| SQLite | recompute_status([id]) after a new NAT, median of 3 |" in section


def test_status_results_go_below_their_own_marker(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Import benchmark\n\nold\n", encoding="utf-8")
    update_docs(docs, "### first\n")
    update_docs(docs, "### second\n")
    text = docs.read_text(encoding="utf-8")
    assert text.startswith("# Import benchmark\n\nold\n\n# Status benchmark\n")
    assert text.endswith(f"{STATUS_MARKER}\n\n### second\n\n### first\n")


def test_a_kept_fixture_is_keyed_by_its_inputs_and_expires(tmp_path, monkeypatch):
    import json
    import time

    from bench import status_cli

    key = status_cli.fixture_key("postgres", 1000, 1)
    assert key == status_cli.fixture_key("postgres", 1000, 1)
    assert key not in {
        status_cli.fixture_key("sqlite", 1000, 1),
        status_cli.fixture_key("postgres", 2000, 1),
        status_cli.fixture_key("postgres", 1000, 2),
    }
    migrations = tmp_path / "fangkong" / "status" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "0001_initial.py").write_text("# a migration\n")
    monkeypatch.setattr(status_cli, "REPO", tmp_path)
    assert status_cli.fixture_key("postgres", 1000, 1) != key  # other migrations, other key

    kept = tmp_path / "kept"
    kept.mkdir()
    assert status_cli.cached_meta(kept) is None  # nothing kept
    meta = {"loaded_at": time.time() - 60, "seconds": 1.0, "peak_mb": 1.0, "counts": {}}
    (kept / "counts.json").write_text(json.dumps(meta))
    assert status_cli.cached_meta(kept) == meta
    meta["loaded_at"] -= status_cli.CACHE_HOURS * 3600
    (kept / "counts.json").write_text(json.dumps(meta))
    assert status_cli.cached_meta(kept) is None  # too old: its moments have moved on
