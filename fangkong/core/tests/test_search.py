import pytest

from fangkong.core import search
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


@pytest.mark.parametrize("few", [search.FEW_KEYS, 1])
def test_a_name_search_reads_the_rows_in_scope_once(people, users, monkeypatch, few):
    """A search matching a few people reads their keys once; the page and its count look
    them up by key. One matching more than ``FEW_KEYS`` (here: two) stays a sub-select in
    each statement, and finds the same people."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(search, "FEW_KEYS", few)
    with CaptureQueriesContext(connection) as queries:
        qs = search_residents(Resident.objects.visible_to(users["command"]), "張三")
        assert qs.count() == 2
        assert sorted(qs.values_list("name", flat=True)) == ["张三", "张三丰"]
    searching = [q["sql"] for q in queries.captured_queries if "name_norm" in q["sql"]]
    assert len(searching) == (1 if few >= 2 else 3)  # the key read; or it, the count, the page
    assert len(queries.captured_queries) == 3


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


def test_per_character_pinyin_equals_lazy_pinyin():
    import random

    from pypinyin import Style, lazy_pinyin

    from fangkong.core.search import _syllables

    rng = random.Random(3)
    # Common surname and given-name characters, polyphonic ones (曾 单 解 朴 乐 重 长 行),
    # characters that form phrase-dictionary words together (长江, 银行, 重庆), others.
    chars = "张王李赵曾单解朴乐重长江行银庆伟芳娜秀英华明国建军a·李欧阳司马诸葛"
    names = ["".join(rng.choice(chars) for _ in range(rng.randint(1, 9))) for _ in range(3000)]
    names += ["曾国藩", "单雄信", "解缙", "乐嘉", "重庆", "长江", "银行", "欧阳娜娜"]
    for name in names:
        assert _syllables(name) == lazy_pinyin(name, style=Style.NORMAL, errors="ignore"), name
