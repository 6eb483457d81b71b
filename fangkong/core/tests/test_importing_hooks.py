"""The engine's hooks around the rows: ``after_rows`` (after the last row, inside the import's
transaction, on dry runs and refused files too) and ``audit_reason`` (the run's reason on each
audit entry the run writes)."""

from __future__ import annotations

import csv

import pytest

from fangkong.core import audit
from fangkong.core.importing import base, run_import
from fangkong.core.models import AuditEntry
from fangkong.core.models.audit import AuditAction
from fangkong.supplies.importers import ItemImporter
from fangkong.supplies.models import Item

KEY = "tests.item_with_hooks"
REASON = "测试：年度物资目录"


class HookedItemImporter(ItemImporter):
    """The catalogue import, recording what ``after_rows`` saw and queuing one entry there."""

    key = KEY
    seen: list[tuple[bool, int]] = []

    def after_rows(self) -> None:
        # Every row is written by now: the hook sees them all, in the import's transaction.
        type(self).seen.append((self.ctx.dry_run, Item.objects.count()))
        first = Item.objects.order_by("pk").first()
        if first is not None:
            Item.objects.filter(pk=first.pk).update(spec="由 after_rows 写入")
            self.ctx.cache["events"].append(
                audit.Event(
                    action=AuditAction.UPDATE,
                    object_type=audit.object_type(Item),
                    object_id=str(first.pk),
                    object_repr=first.name,
                    changes={"spec": [first.spec, "由 after_rows 写入"]},
                )
            )
        self.ctx.count("after_rows", 1)

    def audit_reason(self) -> str:
        return REASON


@pytest.fixture
def hooked():
    base._REGISTRY[KEY] = HookedItemImporter
    HookedItemImporter.seen = []
    yield HookedItemImporter
    del base._REGISTRY[KEY]


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编码", "名称", "计量单位"])
        w.writerows(rows)
    return path


ROWS = [["KZ-1", "医用外科口罩", "只"], ["ST-1", "一次性手套", "副"]]


def test_after_rows_runs_on_a_dry_run_and_its_writes_roll_back(tmp_path, users, areas, hooked):
    path = write(tmp_path / "items.csv", ROWS)
    result = run_import(KEY, path, actor=users["command"], area=areas["city"], dry_run=True)
    assert hooked.seen == [(True, 2)]
    assert (result.created, result.extra["after_rows"], result.committed) == (2, 1, False)
    assert Item.objects.count() == 0
    assert not AuditEntry.objects.exists()


def test_after_rows_runs_on_a_refused_file_and_nothing_is_kept(tmp_path, users, areas, hooked):
    path = write(tmp_path / "items.csv", [*ROWS, ["XX-1", "", "只"]])
    result = run_import(KEY, path, actor=users["command"], area=areas["city"])
    assert hooked.seen == [(False, 2)]
    assert (result.rejected, result.committed) == (1, False)
    assert Item.objects.count() == 0
    assert not AuditEntry.objects.exists()


def test_after_rows_writes_commit_and_every_entry_carries_the_run_reason(
    tmp_path, users, areas, hooked
):
    path = write(tmp_path / "items.csv", ROWS)
    result = run_import(KEY, path, actor=users["command"], area=areas["city"])
    assert (result.created, result.committed) == (2, True)
    assert hooked.seen == [(False, 2)]
    assert Item.objects.order_by("pk").first().spec == "由 after_rows 写入"
    entries = AuditEntry.objects.order_by("id")
    assert [e.action for e in entries] == ["create", "create", "update", "import"]
    assert {e.reason for e in entries} == {REASON}
    assert entries.get(action="import").changes["after_rows"] == 1
    assert audit.verify_chain().ok


def test_without_a_reason_entries_have_none(tmp_path, users, areas):
    path = write(tmp_path / "items.csv", ROWS)
    run_import("supplies.item", path, actor=users["command"], area=areas["city"])
    assert set(AuditEntry.objects.values_list("reason", flat=True)) == {""}
