"""export_xlsx: masking, formula neutralisation, permission + purpose, audit, streaming."""

import datetime
import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.exporting import export_xlsx, neutralise, safe_filters
from fangkong.core.models import AuditEntry
from fangkong.core.tables import Column
from fangkong.core.testing.factories import make_id_number
from fangkong.registry.models import Resident

COLUMNS = [
    Column("name", "姓名"),
    Column("phone", "联系电话", personal="phone"),
    Column("notes", "备注"),
    Column("birth_date", "出生日期"),
]


def rows(response):
    data = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def _objs():
    return [
        SimpleNamespace(
            name='=HYPERLINK("x")',
            phone="13800001234",
            notes="@cmd",
            birth_date=datetime.date(1980, 1, 2),
        ),
        SimpleNamespace(name="李四", phone="", notes="正常", birth_date=None),
    ]


def test_iterable_export_masks_and_neutralises(users):
    r = export_xlsx(_objs(), COLUMNS, user=users["grid_a"], model=Resident)
    assert rows(r) == [
        ["姓名", "联系电话", "备注", "出生日期"],
        ['\'=HYPERLINK("x")', "138****1234", "'@cmd", datetime.datetime(1980, 1, 2)],
        ["李四", None, "正常", None],
    ]
    entry = AuditEntry.objects.get(action="export")
    assert entry.object_type == "registry.resident"
    assert entry.changes == {
        "rows": 2,
        "filters": {},
        "columns": ["name", "phone", "notes", "birth_date"],
        "revealed": [],
    }
    assert entry.area_path == users["grid_a"].area.path
    assert entry.actor_name == "grid_a"


def test_reveal_requires_permission(users):
    with pytest.raises(PermissionDenied):
        export_xlsx(
            _objs(), COLUMNS, user=users["grid_a"], model=Resident, reveal=True, purpose="x"
        )
    assert AuditEntry.objects.filter(action="export").count() == 0


def test_reveal_requires_purpose(users):
    with pytest.raises(ValidationError):
        export_xlsx(_objs(), COLUMNS, user=users["community"], model=Resident, reveal=True)
    assert AuditEntry.objects.filter(action="export").count() == 0


def test_reveal_with_permission_and_purpose(users):
    r = export_xlsx(
        _objs(), COLUMNS, user=users["community"], model=Resident, reveal=True, purpose=" 排查 "
    )
    assert rows(r)[1][1] == "13800001234"
    entry = AuditEntry.objects.get(action="export")
    assert entry.reason == "排查"
    assert entry.changes["revealed"] == ["phone"]


def test_queryset_export_iterates_in_chunks(users, areas, monkeypatch):
    from fangkong.core import exporting
    from fangkong.core.testing.factories import make_id_number
    from fangkong.registry import services

    for i in range(5):
        services.create_resident(
            actor=users["command"],
            data={
                "area": areas["grid_a"],
                "name": f"居民{i}",
                "id_number": make_id_number(birth=datetime.date(1970, 1, 1 + i)),
            },
        )
    monkeypatch.setattr(exporting, "CHUNK_SIZE", 2)
    seen = []
    original = Resident.objects.none().__class__.iterator

    def spy(self, chunk_size=None):
        seen.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(type(Resident.objects.all()), "iterator", spy)
    r = export_xlsx(Resident.objects.order_by("name"), COLUMNS[:1], user=users["command"])
    assert seen == [2]
    assert [row[0] for row in rows(r)[1:]] == [f"居民{i}" for i in range(5)]
    assert AuditEntry.objects.get(action="export").changes["rows"] == 5


def test_safe_filters_hide_searched_numbers():
    assert safe_filters({"q": "110101199001011234", "category": "inflow", "tag": ""}) == {
        "q": "****",
        "category": "inflow",
    }


def test_a_column_naming_a_display_method_is_refused_at_definition():
    """``Column.raw`` reads attributes, never calls them: ``unit.get_kind_display`` showed
    ``functools.partial(...)`` in the supply requests' 单位类型; ``choices=True`` is the way."""
    with pytest.raises(ValueError, match="choices=True"):
        Column("unit_kind", "单位类型", accessor="unit.get_kind_display")
    unit = SimpleNamespace(kind="checkpoint", get_kind_display=lambda: "卡点")
    column = Column("unit_kind", "单位类型", accessor="unit.kind", choices=True)
    assert column.value(SimpleNamespace(unit=unit)) == "卡点"


def test_an_area_named_after_its_community_is_read_with_its_parent(
    users, areas, django_assert_num_queries
):
    """The export's 老街社区第1网格 reads each grid's community in the list's query, not one
    query per row (a city's residents would ask a million times)."""
    from fangkong.core.tables import area_columns, export_related
    from fangkong.registry import services

    for i, grid in enumerate(("grid_a", "grid_b", "grid_c")):
        services.create_resident(
            actor=users["command"],
            data={"area": areas[grid], "name": f"居民{i}", "id_number": make_id_number()},
        )
    columns = [c for c in area_columns("grid", "网格") if c.export]
    assert export_related(columns) == ["area__parent"]
    qs = Resident.objects.order_by("pk").select_related(*export_related(columns))
    with django_assert_num_queries(1):
        names = [columns[0].value(r) for r in qs]
    assert names == ["海棠花语社区第一网格", "海棠花语社区第二网格", "迷阳水岸社区第一网格"]
    assert columns[0].value(SimpleNamespace(area=areas["community"])) == "海棠花语社区"


def test_every_list_page_goes_out_to_excel():
    """Excel in and out of every list: each list page has an export (its permission may be
    one some roles lack), so no list is kept only on screen."""
    from fangkong.core.testing import urlmap
    from fangkong.core.views.generic import ObjectListView

    lists = {
        e.path: e.view_class
        for e in urlmap.walk()
        if isinstance(e.view_class, type) and issubclass(e.view_class, ObjectListView)
    }
    assert len(lists) > 40
    assert [path for path, view in sorted(lists.items()) if not view.export_permission] == []
