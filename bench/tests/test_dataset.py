import csv

from bench import dataset
from fangkong.core.validators import validate_id_number


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_area_tree_shape():
    tree = dataset.area_tree()
    codes = [a.code for a in tree]
    assert len(tree) == 1 + 5 + 20 + 100 + 1000
    assert len(set(codes)) == len(codes)
    assert len(dataset.grids()) == 1000
    seen = set()
    for a in tree:
        assert a.parent_code is None or a.parent_code in seen
        seen.add(a.code)
    assert dataset.grids()[0].code == "510402001001G01"
    assert dataset.grids()[0].name == "第一网格"


def test_generated_rows_are_valid_unique_and_consistent(tmp_path):
    path = dataset.write_csv(tmp_path / "r.csv", 300, seed=7)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, as Excel writes it
    rows = _rows(path)
    assert rows[0] == dataset.HEADERS
    body = rows[1:]
    assert len(body) == 300
    ids = [r[2] for r in body]
    assert len(set(ids)) == 300
    grid_codes = {g.code for g in dataset.grids()}
    labels = {label for label, _ in dataset.CATEGORIES}
    for name, gender, id_number, phone, address, grid, category, origin, arrival, tags in body:
        _, _, id_gender = validate_id_number(id_number)
        assert {"M": "男", "F": "女"}[id_gender] == gender
        assert 2 <= len(name) <= 4
        assert phone == "" or (len(phone) == 11 and phone.startswith("1"))
        assert grid in grid_codes
        assert category in labels
        assert bool(origin) == bool(arrival) == (category in ("流入", "返乡"))
        assert address.endswith("室")
        assert all(
            t in {"党员", "老人", "独居", "残疾", "慢性病", "孕产妇", "儿童", "低保"}
            for t in tags.split("、")
            if t
        )


def test_deterministic_and_prefix_stable(tmp_path):
    a = dataset.write_csv(tmp_path / "a.csv", 120, seed=11)
    b = dataset.write_csv(tmp_path / "b.csv", 120, seed=11)
    short = dataset.write_csv(tmp_path / "s.csv", 40, seed=11)
    other = dataset.write_csv(tmp_path / "o.csv", 40, seed=12)
    assert a.read_bytes() == b.read_bytes()
    assert _rows(short) == _rows(a)[:41]
    assert _rows(other)[1:] != _rows(short)[1:]
    assert not list(tmp_path.glob(".*.tmp"))


def test_cache_path_names_rows_seed_and_version(tmp_path):
    assert dataset.csv_path(tmp_path, 1000, 5).name == (
        f"residents-1000-seed5-v{dataset.GENERATOR_VERSION}.csv"
    )
