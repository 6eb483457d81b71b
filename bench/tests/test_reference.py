import datetime

import pytest

from bench import dataset
from bench.reference import run_reference
from bench.steps import setup_areas
from fangkong.registry.models import Resident
from fangkong.registry.rules import encode_tags

CATEGORY = {
    "常住": "permanent",
    "流入": "inflow",
    "返乡": "returnee",
    "暂住": "temporary",
    "外出": "outflow",
}


@pytest.mark.parametrize("variant", ["default", "bulk"])
def test_reference_import_writes_valid_rows_and_is_idempotent(db, tmp_path, variant):
    setup_areas()
    path = dataset.write_csv(tmp_path / "r.csv", 30, seed=5)
    rows = list(dataset.read_rows(path))

    assert run_reference(path, variant) == {
        "variant": variant,
        "created": 30,
        "updated": 0,
        "invalid": 0,
        "errors": 0,
    }
    assert Resident.objects.count() == 30
    for row in (rows[0], rows[-1]):
        r = Resident.objects.select_related("area").get(name=row["姓名"], area__code=row["网格"])
        number = row["身份证号"]
        assert r.id_number == number
        assert r.phone == row["联系电话"]
        assert r.address == row["现住址"]
        assert r.gender == {"男": "M", "女": "F"}[row["性别"]]
        assert r.birth_date == datetime.date(
            int(number[6:10]), int(number[10:12]), int(number[12:14])
        )
        assert r.category == CATEGORY[row["人员类别"]]
        assert r.origin == row["来源地"]
        assert r.tags == encode_tags(row["标签"])
        assert (r.arrival_date.isoformat() if r.arrival_date else "") == row["抵达日期"]

    again = run_reference(path, variant)
    assert (again["created"], again["updated"], again["invalid"]) == (0, 30, 0)
    assert Resident.objects.count() == 30
