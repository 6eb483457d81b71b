"""Hostile uploads through every registered importer: each gets a clear Chinese message or
imports safely, nothing is written half-way, memory stays bounded, the server stays up."""

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangkong.core.importing import ImportFileError, importers, run_import
from fangkong.core.importing.readers import check_zip
from fangkong.core.models import AuditEntry
from fangkong.core.testing import factories, hostile

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FORMULA_START = ("=", "+", "-", "@")
IMPORTER_KEYS = sorted(importers())
NOISE = random.Random(7).randbytes(4096)


def header_of(key: str) -> list[str]:
    return [str(c.header) for c in importers()[key].columns]


def _run(key, path, users, areas, name=None):
    area = areas["grid_a"]
    actor = users["command"]
    return run_import(
        key,
        path,
        actor=actor,
        area=area,
        dry_run=True,
        original_name=name or path.name,
        options=factories.import_options(key, actor, area),
    )


def assert_refused(key, path, users, areas, fragment: str | tuple[str, ...], name=None):
    with pytest.raises(ImportFileError) as exc:
        _run(key, path, users, areas, name)
    message = str(exc.value)
    fragments = (fragment,) if isinstance(fragment, str) else fragment
    assert CHINESE.search(message) and any(f in message for f in fragments), message
    assert not AuditEntry.objects.filter(action="import").exists()
    return message


def test_every_importer_is_covered():
    assert {"registry.resident", "screening.finding"} <= set(IMPORTER_KEYS)


@pytest.mark.parametrize("key", IMPORTER_KEYS)
def test_hostile_files_get_clear_messages(key, tmp_path, users, areas):
    cases = [
        ("data.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("empty.xlsx", b"", "文件是空的"),
        ("empty.csv", b"", "文件是空的"),
        ("page.xlsx", b"<html><body>not a workbook</body></html>", "不是有效的 Excel"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + NOISE[:512], "不是有效的 Excel"),
        ("noise.csv", NOISE, ("未找到表头", "无法识别的文字编码")),
    ]
    for name, content, fragment in cases:
        path = tmp_path / name
        path.write_bytes(content)
        assert_refused(key, path, users, areas, fragment)


@pytest.mark.parametrize("key", IMPORTER_KEYS)
def test_zip_bomb_is_refused_before_reading(key, tmp_path, users, areas, settings):
    bomb = hostile.zip_bomb(tmp_path / "bomb.xlsx", header_of(key), 32 * 1024**2)
    assert bomb.stat().st_size < 1024**2  # a tiny file…
    assert_refused(key, bomb, users, areas, "解压后过大")  # …refused by its ratio
    settings.FANGKONG_IMPORT_MAX_UNZIPPED_BYTES = 16 * 1024**2
    message = assert_refused(key, bomb, users, areas, "解压后过大")
    assert "上限 16 MB" in message


def test_zip_check_judges_by_the_directory(tmp_path):
    normal = hostile.write_xlsx(tmp_path / "ok.xlsx", ["姓名"], [[f"人{i}"] for i in range(100)])
    with open(normal, "rb") as fh:
        check_zip(fh)  # passes, and leaves the file at its start for the reader
        assert fh.tell() == 0
    bomb = hostile.zip_bomb(tmp_path / "bomb.xlsx", ["姓名"], 32 * 1024**2)
    with open(bomb, "rb") as fh, pytest.raises(ImportFileError):
        check_zip(fh)
    claims_gigabytes = hostile.forged_bomb(tmp_path / "forged.xlsx", ["姓名"])
    with open(claims_gigabytes, "rb") as fh, pytest.raises(ImportFileError) as exc:
        check_zip(fh)
    assert "约 4096 MB，上限 1024 MB" in str(exc.value)


@pytest.mark.parametrize("key", IMPORTER_KEYS)
def test_full_excel_sheet_is_refused_by_row_limit(key, tmp_path, users, areas):
    path = hostile.full_sheet(tmp_path / "rows.xlsx", header_of(key))
    message = assert_refused(key, path, users, areas, "导入上限")
    assert "1,000,000" in message


def test_row_limit_holds_without_a_dimension(tmp_path, users, areas, settings):
    """A sheet that does not state its size is counted while it streams."""
    settings.FANGKONG_IMPORT_MAX_ROWS = 300
    key = "registry.resident"
    rows = ([f"人{i}"] + [""] * (len(header_of(key)) - 1) for i in range(400))
    path = hostile.write_xlsx(tmp_path / "rows.xlsx", header_of(key), rows)
    assert_refused(key, path, users, areas, "300 行的导入上限")
    assert not AuditEntry.objects.filter(action="import").exists()


@pytest.mark.parametrize("key", IMPORTER_KEYS)
def test_gbk_csv_formulas_and_merged_cells_import_safely(key, tmp_path, users, areas):
    header = header_of(key)
    gbk = _run(key, hostile.gbk_csv(tmp_path / "gbk.csv", header), users, areas)
    assert gbk.total == 1  # decoded: the header was found in GBK

    formulas = [hostile.FORMULA_TEXT, "=SUM()", "+1+1", "-2+3", "@SUM(A1)"]
    rows = [[formulas[(i + j) % len(formulas)] for j in range(len(header))] for i in range(5)]
    result = _run(key, hostile.write_xlsx(tmp_path / "f.xlsx", header, rows), users, areas)
    assert result.total >= 1
    if result.rejected_file is not None:
        book = openpyxl.load_workbook(result.rejected_file, read_only=True)
        for row in book.active.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value.startswith(FORMULA_START)), value

    merged = _run(key, hostile.merged_cells(tmp_path / "m.xlsx", header), users, areas)
    assert merged.total >= 1 and not merged.committed


def test_reading_hostile_files_keeps_memory_bounded(tmp_path):
    """Peak RSS of a fresh process reading a zip bomb and a full sheet without a size."""
    header = header_of("registry.resident")
    files = [
        hostile.zip_bomb(tmp_path / "bomb.xlsx", header, 128 * 1024**2),
        hostile.full_sheet(tmp_path / "full.xlsx", header, with_dimension=False),
    ]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="fangkong.settings.test")
    env["FANGKONG_IMPORT_MAX_ROWS"] = "20000"  # stream 20k rows, then refuse
    out = subprocess.run(
        [sys.executable, "-m", "fangkong.core.testing.hostile", "measure", *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,  # generous: the machine may be shared; memory, not time, is measured
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    outcome = list(report["outcome"].values())
    assert "解压后过大" in outcome[0]
    assert "导入上限" in outcome[1]
    assert report["peak_mib"] < 400, report  # the files expand to 128 MB and ~200 MB


def test_web_upload_of_a_bomb_shows_the_message(
    client, users, areas, tmp_path, django_capture_on_commit_callbacks
):
    bomb = hostile.zip_bomb(tmp_path / "bomb.xlsx", header_of("registry.resident"), 32 * 1024**2)
    client.force_login(users["command"])
    url = reverse("registry:resident_import")
    upload = SimpleUploadedFile("bomb.xlsx", Path(bomb).read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, {"file": upload, "area": areas["grid_a"].pk})
    r = client.get(r["Location"])
    assert r.status_code == 200
    assert "解压后过大" in r.content.decode()
    # The server answers the next request as usual.
    assert client.get(reverse("home")).status_code == 200
