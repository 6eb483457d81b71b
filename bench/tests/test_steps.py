import pytest

from bench import dataset
from bench.steps import floor_insert, setup_areas
from fangkong.areas.models import Area
from fangkong.registry.models import Resident


@pytest.fixture
def bench_city(db):
    return setup_areas()


def test_setup_areas_builds_the_tree_with_paths(bench_city):
    assert bench_city == 1126
    grid = Area.objects.get(code="510411002003G04")
    assert grid.path == "510400/510411/510411002/510411002003/510411002003G04/"
    assert grid.depth == 4
    assert Area.objects.filter(level=6).count() == 1000


def test_floor_inserts_the_raw_rows(bench_city, tmp_path):
    path = dataset.write_csv(tmp_path / "r.csv", 40, seed=3)
    rows = list(dataset.read_rows(path))
    assert floor_insert(path) == 40
    assert Resident.objects.count() == 40
    first = (
        Resident.objects.order_by("id")
        .values("name", "gender", "area__code", "category", "id_number_index", "version")
        .first()
    )
    assert first == {
        "name": rows[0]["姓名"],
        "gender": rows[0]["性别"],
        "area__code": rows[0]["网格"],
        "category": rows[0]["人员类别"],
        "id_number_index": rows[0]["身份证号"],
        "version": 1,
    }
