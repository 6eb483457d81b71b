"""Import through the web: upload → dry-run preview → confirm → progress → result; owner only."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangkong.core.models import Job
from fangkong.core.testing.factories import make_id_number
from fangkong.registry.models import Resident

GOOD_1 = make_id_number(birth=datetime.date(1980, 1, 1), gender="M")
GOOD_2 = make_id_number(birth=datetime.date(1990, 2, 2), gender="F")
BAD = GOOD_1[:-1] + ("0" if GOOD_1[-1] != "0" else "1")  # wrong check digit


def csv_upload() -> SimpleUploadedFile:
    text = "\n".join(
        [
            "姓名,身份证号,联系电话,网格",
            f"张三,{GOOD_1},13800001234,第一网格",
            f"李四,{GOOD_2},13900001234,第二网格",
            f"王五,{BAD},13700001234,第一网格",
        ]
    )
    return SimpleUploadedFile("名单.csv", text.encode("utf-8-sig"), content_type="text/csv")


def upload(client, areas, *, skip_invalid, capture):
    data = {"file": csv_upload(), "area": areas["community"].pk}
    if skip_invalid:
        data["skip_invalid"] = "on"
    with capture(execute=True):
        r = client.post(reverse("registry:resident_import"), data)
    assert r.status_code == 302
    return Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])


@pytest.fixture
def community(client, users):
    client.force_login(users["community"])
    return client


def test_dry_run_preview_lists_errors_and_writes_nothing(
    community, areas, django_capture_on_commit_callbacks
):
    job = upload(community, areas, skip_invalid=False, capture=django_capture_on_commit_callbacks)
    assert job.status == "succeeded"
    r = community.get(reverse("core:job_detail", args=[job.pk]))
    body = r.content.decode()
    assert r.context["dry_run"] is True
    assert r.context["counts"] == {
        "total": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert [(e["row"], e["field"]) for e in r.context["errors"]] == [(4, "身份证号")]
    assert "确认导入" not in body  # rows were rejected and skip_invalid was off
    assert "名单.csv · " in body  # which of the user's files this preview is of
    assert Resident.objects.count() == 0


def test_error_messages_wrap_on_a_phone(community, areas, django_capture_on_commit_callbacks):
    """The preview's error cells never wrapped: on a phone a grid worker read
    “身份证号被 Excel 存成了数字，末几位已…” and no more."""
    job = upload(community, areas, skip_invalid=False, capture=django_capture_on_commit_callbacks)
    r = community.get(reverse("core:job_detail", args=[job.pk]))
    message = r.context["errors"][0]["message"]
    assert f'<td class="fk-wrap">{message}</td>' in r.content.decode()


def test_confirm_imports_for_real_and_shows_the_result(
    community, areas, django_capture_on_commit_callbacks
):
    job = upload(community, areas, skip_invalid=True, capture=django_capture_on_commit_callbacks)
    r = community.get(reverse("core:job_detail", args=[job.pk]))
    assert r.context["can_confirm"] is True
    assert reverse("core:job_confirm", args=[job.pk]) in r.content.decode()
    assert Resident.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        r = community.post(reverse("core:job_confirm", args=[job.pk]))
    real = Job.objects.exclude(pk=job.pk).get()
    assert r["Location"] == reverse("core:job_detail", args=[real.pk])
    assert sorted(Resident.objects.values_list("name", "area__name")) == [
        ("张三", "第一网格"),
        ("李四", "第二网格"),
    ]
    r = community.get(reverse("core:job_detail", args=[real.pk]))
    assert r.context["dry_run"] is False
    assert r.context["counts"]["created"] == 2
    assert r.context["counts"]["rejected"] == 1
    assert r.context["has_rejected_file"] is True
    r = community.get(reverse("core:job_rejected_file", args=[real.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    rows = [list(row) for row in wb.active.iter_rows(values_only=True)]
    assert [row[0] for row in rows[1:]] == ["王五"]


def test_progress_fragment_polls_until_finished(community, users):
    job = Job.objects.create(
        kind="import", owner=users["community"], status="running", done=40, total=100
    )
    r = community.get(reverse("core:job_progress", args=[job.pk]), headers={"HX-Request": "true"})
    body = r.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert "fk-w-40" in body and "40%" in body
    Job.objects.filter(pk=job.pk).update(status="succeeded", done=100)
    r = community.get(reverse("core:job_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert r["HX-Refresh"] == "true"
    r = community.get(reverse("core:job_detail", args=[job.pk]))
    assert r.templates[0].name == "jobs/import_result.html"


def test_progress_without_a_total_moves_rather_than_stays_at_zero(community, users):
    """A file that gives no row count (an .xlsx without its size): rows done, a moving bar."""
    job = Job.objects.create(kind="import", owner=users["community"], status="running", done=4000)
    r = community.get(reverse("core:job_progress", args=[job.pk]), headers={"HX-Request": "true"})
    body = r.content.decode()
    assert "4,000" in body and "fk-w-100" in body and "处理中" in body
    assert "0%" not in body and "aria-valuenow" not in body


def test_jobs_are_visible_to_their_owner_only(client, users):
    job = Job.objects.create(kind="import", owner=users["community"], status="running")
    client.force_login(users["street"])
    for name in ("job_detail", "job_progress", "job_rejected_file"):
        assert client.get(reverse(f"core:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("core:job_confirm", args=[job.pk])).status_code == 404


def test_import_page_and_template(community, users, areas):
    r = community.get(reverse("registry:resident_import"))
    assert r.status_code == 200
    assert list(r.context["form"].fields["area"].queryset) == [
        areas["community"],
        areas["grid_a"],
        areas["grid_b"],
    ]
    r = community.get(reverse("registry:resident_import_template"))
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    header = [c for c in next(wb.worksheets[0].iter_rows(values_only=True)) if c]
    assert any(str(h).startswith("姓名") for h in header)
    assert any(str(h).startswith("身份证号") for h in header)


def test_import_rejects_wrong_file_type_and_foreign_area(community, areas):
    r = community.post(
        reverse("registry:resident_import"),
        {"file": SimpleUploadedFile("a.txt", b"x"), "area": areas["community"].pk},
    )
    assert r.context["form"].errors["file"] == ["只能导入 .xlsx、.xls 或 .csv 文件"]
    r = community.post(
        reverse("registry:resident_import"),
        {"file": csv_upload(), "area": areas["grid_c"].pk},
    )
    assert "area" in r.context["form"].errors
    assert Job.objects.count() == 0


def test_grid_worker_without_import_permission(client, users):
    client.force_login(users["leader"])
    assert client.get(reverse("registry:resident_import")).status_code == 403
