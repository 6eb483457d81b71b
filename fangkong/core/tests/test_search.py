import pytest

from fangkong.core.search import classify_query, name_keys
from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services
from fangkong.registry.models import Resident
from fangkong.registry.selectors import search_residents


def test_name_keys_fold_scripts_and_pinyin():
    assert name_keys("張三") == ("张三", "zhangsan", "zs")
    assert name_keys("欧阳娜娜") == ("欧阳娜娜", "ouyangnana", "oynn")


@pytest.mark.parametrize(
    ("q", "kind"),
    [
        ("zs", "pinyin"),
        ("張三", "text"),
        ("1234", "number"),
        ("123X", "number"),
        ("510402199001011234", "number"),
        ("ＺＳ", "pinyin"),
    ],
)
def test_classify_query(q, kind):
    assert classify_query(q)[0] == kind


@pytest.fixture
def people(users, areas):
    made = {}
    for key, name, grid, phone in [
        ("zs", "张三", "grid_a", "13800005678"),
        ("zsf", "张三丰", "grid_b", "13800001111"),
        ("ls", "李四", "grid_a", "13900002222"),
        ("wc", "王晨", "grid_c", "13700005678"),
    ]:
        made[key] = services.create_resident(
            actor=users["command"],
            data={"area": areas[grid], "name": name, "id_number": make_id_number(), "phone": phone},
        )
    return made


def _names(user, q):
    qs = search_residents(Resident.objects.visible_to(user), q)
    return sorted(qs.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zs", ["张三", "张三丰"]),
        ("張三", ["张三", "张三丰"]),
        ("zhangsanf", ["张三丰"]),
        ("5678", ["张三", "王晨"]),
        ("13900002222", ["李四"]),
        ("李", ["李四"]),
        ("zz", []),
    ],
)
def test_search_across_scripts_pinyin_and_numbers(people, users, q, expected):
    assert _names(users["command"], q) == expected


def test_search_respects_scope(people, users):
    assert _names(users["grid_a"], "zs") == ["张三"]
    assert _names(users["grid_a"], "5678") == ["张三"]
    assert _names(users["grid_c"], "zs") == []


def test_search_by_full_id_number(people, users):
    r = Resident.objects.get(pk=people["ls"].pk)
    assert _names(users["community"], r.id_number) == ["李四"]
    last4 = r.id_number[-4:]
    expected = sorted(
        p.name
        for p in Resident.objects.visible_to(users["community"])
        if p.id_number.endswith(last4) or p.phone.endswith(last4)
    )
    assert "李四" in expected
    assert _names(users["community"], last4) == expected
