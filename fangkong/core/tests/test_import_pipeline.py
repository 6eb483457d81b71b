"""Rows evaluated in forked worker processes (core.importing.pipeline): same results, nothing
half-written when a worker dies, no nonce shared between processes."""

from __future__ import annotations

import base64
import datetime
import os
import random

import pytest
from django.db import connection

from fangkong.core.audit import verify_chain
from fangkong.core.importing import run_import
from fangkong.core.importing.pipeline import ImportWorkerError
from fangkong.core.models import AuditEntry
from fangkong.core.personal import index_value
from fangkong.core.search import name_keys
from fangkong.core.testing.factories import make_id_number
from fangkong.registry.importers import ResidentImporter
from fangkong.registry.models import Household, Resident

HEADER = "姓名,身份证号,联系电话,现住址,网格,户编号"


def _write(path, n: int, *, bad_grid_at: int | None = None):
    rng = random.Random(11)
    lines = [HEADER]
    for i in range(n):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
        grid = "第七网格" if i == bad_grid_at else ("第一网格" if i % 2 else "第二网格")
        lines.append(
            f"张{i}伟,{make_id_number(birth=birth, rng=rng)},1380000{i:04d},"
            f"海棠花语小区{i}号,{grid},{i // 3}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(params=[1, 2], ids=["one worker", "two workers"])
def workers(request, settings, monkeypatch):
    settings.FANGKONG_IMPORT_WORKERS = request.param
    settings.FANGKONG_IMPORT_WORKERS_MIN_ROWS = 0
    monkeypatch.setattr(ResidentImporter, "batch_size", 3)
    return request.param


def _import(path, users, areas, **kw):
    return run_import(
        "registry.resident", path, actor=users["community"], area=areas["community"], **kw
    )


def _outcome(result):
    errors = [(e.row, e.field, e.message) for e in result.errors]
    return result.created, result.rejected, result.committed, errors, result.extra


def test_workers_give_the_same_result_and_rows_as_one_process(
    tmp_path, users, areas, settings, workers
):
    path = _write(tmp_path / "a.csv", 20, bad_grid_at=13)
    settings.FANGKONG_IMPORT_WORKERS = 0
    alone = _outcome(_import(path, users, areas, dry_run=True, skip_invalid=True))
    settings.FANGKONG_IMPORT_WORKERS = workers
    result = _import(path, users, areas, skip_invalid=True)
    # The unknown grid needs a database query, which a worker hands back to the parent.
    message = "在本次导入范围（海棠花语社区）内未找到网格“第七网格”，请填写网格名称或编码"
    assert alone[3] == [(15, "网格", message)]
    assert _outcome(result)[:2] == alone[:2] == (19, 1)
    assert _outcome(result)[3:] == alone[3:]
    assert result.committed
    for r in Resident.objects.order_by("pk"):
        assert r.id_number_index == index_value(r.id_number, kind="id_number", purpose="id")
        assert r.phone_last4 == index_value(
            r.phone, kind="phone", purpose="phone4", transform="last4"
        )
        assert [r.name_norm, r.name_pinyin, r.name_initials] == list(name_keys(r.name))
    assert AuditEntry.objects.filter(action="create", object_type="registry.resident").count() == 19
    assert verify_chain().ok


def test_no_two_ciphertexts_share_a_nonce_across_processes(tmp_path, users, areas, workers):
    # The parent encrypts households' addresses, the worker residents' values: each process
    # must draw its own nonces (a forked copy of the parent's pool would repeat them).
    _import(_write(tmp_path / "a.csv", 30), users, areas)
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone, address FROM registry_resident")
        stored = [t for row in cur.fetchall() for t in row]
        cur.execute("SELECT address FROM registry_household")
        stored += [row[0] for row in cur.fetchall()]
    households = Household.objects.count()
    assert households > 3
    nonces = [base64.b64decode(t.partition("$")[2])[:12] for t in stored]
    assert len(nonces) == 90 + households
    assert len(set(nonces)) == len(nonces)


def test_a_worker_that_dies_leaves_nothing_written(tmp_path, users, areas, workers, monkeypatch):
    parent = os.getpid()
    real_build = ResidentImporter.build

    def build_or_die(self, values):
        if os.getpid() != parent and values["name"] == "张7伟":
            os._exit(9)  # as a kill would: no exception, no goodbye
        return real_build(self, values)

    monkeypatch.setattr(ResidentImporter, "build", build_or_die)
    with pytest.raises(ImportWorkerError, match="exit code 9"):
        _import(_write(tmp_path / "a.csv", 20), users, areas)
    assert Resident.objects.count() == 0
    assert Household.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_a_worker_error_is_raised_in_the_parent(tmp_path, users, areas, workers, monkeypatch):
    parent = os.getpid()
    real_build = ResidentImporter.build

    def build_or_fail(self, values):
        if os.getpid() != parent and values["name"] == "张7伟":
            raise KeyError("boom")
        return real_build(self, values)

    monkeypatch.setattr(ResidentImporter, "build", build_or_fail)
    with pytest.raises(ImportWorkerError, match="KeyError: 'boom'"):
        _import(_write(tmp_path / "a.csv", 20), users, areas)
    assert Resident.objects.count() == 0
    assert AuditEntry.objects.count() == 0
