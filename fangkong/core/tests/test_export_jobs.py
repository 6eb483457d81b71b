"""A list longer than ``FANGKONG_EXPORT_BACKGROUND_ROWS`` is exported by a background job: the
same rows, order, masking and scoping as the list, a progress page, a download for its owner
alone, one audit entry, its filters and purpose encrypted at rest — and an Excel sheet never
holds more rows than Excel opens."""

import io
import json
import socket
import subprocess
import sys

import openpyxl
import pytest
from django.urls import reverse

from fangkong.core import crypto, exporting
from fangkong.core.jobs import EXPORT_KIND, export_path, recover_interrupted_jobs
from fangkong.core.models import AuditEntry, Job
from fangkong.core.models.jobs import JobStatus
from fangkong.core.testing.factories import make_residents
from fangkong.registry.models import Resident
from fangkong.registry.tables import ResidentTable

pytestmark = pytest.mark.django_db

LIST = "/registry/residents/"


@pytest.fixture
def residents(areas, users):
    make_residents(users["community"], areas["grid_a"], 4, prefix="甲")
    make_residents(users["community"], areas["grid_b"], 3, prefix="乙")


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.FANGKONG_EXPORT_BACKGROUND_ROWS = 2


def _login(client, user):
    client.force_login(user)
    return client


def _sheets(data: bytes) -> list[list[list]]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [[list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets]


def _download(client, job) -> list[list[list]]:
    r = client.get(reverse("core:job_export_file", args=[job.pk]))
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment")
    return _sheets(b"".join(r.streaming_content))


def test_a_long_list_is_exported_by_a_job_with_the_lists_rows_masked(
    client, users, residents, django_capture_on_commit_callbacks
):
    _login(client, users["community"])
    listed = list(
        Resident.objects.visible_to(users["community"])
        .order_by("area__path", "name", "id")
        .values_list("name", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get(LIST, {"export": "xlsx"})
    job = Job.objects.get(kind=EXPORT_KIND)
    assert r.status_code == 302 and r["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED and job.done == job.total == 7
    page = client.get(r["Location"])
    assert reverse("core:job_export_file", args=[job.pk]) in page.content.decode()
    [sheet] = _download(client, job)
    header, rows = sheet[0], sheet[1:]
    assert "姓名" in header
    names = [row[header.index("姓名")] for row in rows]
    assert names == listed
    id_numbers = [row[header.index("身份证号")] for row in rows]
    assert all("*" in v for v in id_numbers), id_numbers
    entry = AuditEntry.objects.get(action="export")
    assert entry.changes["rows"] == 7 and entry.actor_name == "community"
    assert export_path(job).stat().st_mode & 0o777 == 0o600
    # On the user's list of jobs, and nobody else's to download.
    assert str(job.pk) in client.get(reverse("core:job_list")).content.decode()
    other = _login(type(client)(), users["street"])
    assert other.get(reverse("core:job_export_file", args=[job.pk])).status_code == 404
    assert other.get(reverse("core:job_detail", args=[job.pk])).status_code == 404


def test_the_job_writes_in_the_language_its_owner_chose(
    client, users, residents, compiled_locale, django_capture_on_commit_callbacks
):
    """An English reader's long list came back with 姓名/身份证号 headers and a Chinese
    message, though the same list exported in the request had English ones: the worker
    ran in the platform's default language, not the owner's."""
    from django.conf import settings
    from django.utils import translation

    _login(client, users["community"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks() as enqueued:
        client.get(LIST, {"export": "xlsx"})
    with translation.override("zh-hans"):  # the worker: no request, the default language
        for run in enqueued:
            run()
    job = Job.objects.get(kind=EXPORT_KIND)
    assert job.message == "7 rows exported"
    [sheet] = _download(client, job)
    assert "Name" in sheet[0] and "姓名" not in sheet[0]


def test_the_job_keeps_the_owners_scope_and_filters(
    client, users, residents, areas, django_capture_on_commit_callbacks
):
    _login(client, users["community"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(LIST, {"export": "xlsx", "area": areas["grid_b"].pk})
    job = Job.objects.get(kind=EXPORT_KIND)
    [sheet] = _download(client, job)
    assert sorted(r[0] for r in sheet[1:]) == ["乙0", "乙1", "乙2"]
    # A grid worker's export holds their grid's rows only, whatever the filter asks for.
    grid = _login(type(client)(), users["grid_a"])
    with django_capture_on_commit_callbacks(execute=True):
        r = grid.get(LIST, {"export": "xlsx", "area": areas["grid_b"].pk})
    assert r.status_code == 302
    job = Job.objects.get(owner=users["grid_a"])
    assert sorted(row[0] for row in _download(grid, job)[0][1:]) == ["甲0", "甲1", "甲2", "甲3"]


def test_search_terms_and_purpose_are_encrypted_on_the_job_and_reveal_needs_a_purpose(
    client, users, residents, django_capture_on_commit_callbacks
):
    _login(client, users["community"])
    r = client.post(LIST, {"export": "xlsx", "purpose": "  "})
    assert r.status_code == 302 and not Job.objects.exists()  # refused before any job
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(LIST, {"export": "xlsx", "purpose": "流调核对甲", "q": "甲"})
    job = Job.objects.get(kind=EXPORT_KIND)
    stored = json.dumps(job.params, ensure_ascii=False)
    assert "甲" not in stored and "流调核对" not in stored
    [sheet] = _download(client, job)
    header = sheet[0]
    rows = sheet[1:]
    assert sorted(row[header.index("姓名")] for row in rows) == ["甲0", "甲1", "甲2", "甲3"]
    expected = {r.id_number for r in Resident.objects.filter(name__startswith="甲")}
    assert {row[header.index("身份证号")] for row in rows} == expected  # unmasked
    entry = AuditEntry.objects.get(action="export")
    assert entry.reason == "流调核对甲" and "id_number" in entry.changes["revealed"]


def test_a_short_list_is_still_exported_in_the_request(client, users, residents, settings):
    settings.FANGKONG_EXPORT_BACKGROUND_ROWS = 100
    _login(client, users["community"])
    r = client.get(LIST, {"export": "xlsx"})
    assert r.status_code == 200 and not Job.objects.exists()
    assert len(_sheets(b"".join(r.streaming_content))[0]) == 8


def test_a_full_sheet_continues_on_the_next(client, users, residents, monkeypatch):
    monkeypatch.setattr(exporting, "SHEET_ROWS", 3)
    r = exporting.export_xlsx(
        Resident.objects.order_by("name"),
        ResidentTable.export_columns(),
        user=users["community"],
    )
    sheets = _sheets(b"".join(r.streaming_content))
    assert [len(s) for s in sheets] == [4, 4, 2]  # a header and up to 3 rows each
    assert all(s[0] == sheets[0][0] for s in sheets)
    assert [row[0] for s in sheets for row in s[1:]] == sorted(
        Resident.objects.values_list("name", flat=True)
    )


def test_a_job_for_a_page_that_is_not_a_list_fails_without_a_file(
    users, django_capture_on_commit_callbacks
):
    from fangkong.core.jobs import run_export_job

    job = Job.objects.create(
        kind=EXPORT_KIND, owner=users["community"], params={"path": "/jobs/", "data": None}
    )
    run_export_job.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message
    assert not export_path(job).exists()


def test_an_export_left_running_by_a_dead_worker_is_run_again(
    users, residents, django_capture_on_commit_callbacks
):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = Job.objects.create(
        kind=EXPORT_KIND,
        owner=users["community"],
        status=JobStatus.RUNNING,
        params={
            "path": LIST,
            "list": "居民",
            "file_name": "居民.xlsx",
            "reveal": False,
            "filters": crypto.encrypt("{}"),
            "data": crypto.encrypt("{}"),
            "purpose": crypto.encrypt(""),
            "worker": {"host": socket.gethostname(), "pid": dead.pid},
        },
    )
    export_path(job).parent.mkdir(parents=True, exist_ok=True)
    export_path(job).write_bytes(b"half")
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_interrupted_jobs() == (1, 0)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.done == 7
    assert export_path(job).read_bytes()[:2] == b"PK"  # a workbook, written afresh


def test_an_export_file_is_deleted_a_day_after_and_the_job_page_says_so(
    client, users, residents, settings, tmp_path, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    _login(client, users["community"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(LIST, {"export": "xlsx"})
        client.get(LIST, {"export": "xlsx", "category": "常住"})
    old, recent = Job.objects.filter(kind=EXPORT_KIND).order_by("created_at")
    old_file, recent_file = export_path(old), export_path(recent)
    assert old_file.is_file() and recent_file.is_file()
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=2))
    call_command("purge_expired", stdout=io.StringIO())
    old.refresh_from_db()
    assert not old_file.exists() and old.output_file == ""
    assert recent_file.is_file()  # finished today: kept
    assert Job.objects.filter(pk=old.pk).exists()  # the job stays on 我的后台任务 (30 days)
    page = client.get(reverse("core:job_detail", args=[old.pk])).content.decode()
    assert "导出文件已过保存期限被删除" in page
    assert client.get(reverse("core:job_export_file", args=[old.pk])).status_code == 404
    assert len(_download(client, recent)[0]) > 1
