"""Retention: what expires, what purge-expired does to it, and that the audit chain holds."""

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from fangkong.core import retention
from fangkong.core.audit import verify_chain
from fangkong.core.models import AuditEntry
from fangkong.core.personal import BlindIndexField, EncryptedTextField, personal_fields
from fangkong.core.testing.population import populate

DELETED = {
    "health.checkin",
    "health.healthcertificate",
    "health.nucleicacidtest",
    "tracing.contact",
}
ANONYMISED = {"health.assignment", "tracing.case", "screening.visit"}


@pytest.fixture
def city(areas, users):
    return populate(areas, users)


def _model(label):
    return apps.get_model(label)


def _raw(label, pk, column):
    """The stored value, bypassing decryption."""
    model = _model(label)
    qn = connection.ops.quote_name
    with connection.cursor() as c:
        c.execute(
            f"SELECT {qn(column)} FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = %s",  # noqa: S608, E501
            [pk],
        )
        return c.fetchone()[0]


def test_every_model_with_encrypted_personal_fields_has_a_rule_or_is_current_population():
    # Registers of who is there now, not dated records: people and firms leave them through
    # their services (a volunteer stood down, an employee removed from a roster).
    current_population = {
        "registry.resident",
        "registry.household",
        "volunteers.volunteer",
        "enterprises.enterprise",
        "enterprises.employee",
        # Staff accounts (the phone an import gives): a stopped account keeps its row for
        # the audit trail that names it.
        "accounts.user",
    }
    with_personal = {
        m._meta.label_lower
        for m in apps.get_models()
        if personal_fields(m) or any(isinstance(f, BlindIndexField) for f in m._meta.fields)
    }
    ruled = {r.key for r in retention.rules()}
    missing = with_personal - ruled - current_population
    assert missing == set(), (
        f"personal data without a retention rule: {sorted(missing)} — register one in "
        "<app>/retention.py (fangkong.core.retention.register) and add it to the README table"
    )
    assert current_population <= with_personal
    assert DELETED | ANONYMISED | {"core.job", "screening.finding", "venues.scan"} <= ruled


def test_dry_run_lists_each_model_and_changes_nothing(city):
    before = AuditEntry.objects.count()
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    text = out.getvalue()
    for key in DELETED | ANONYMISED:
        assert f"{key}（" in text
        assert " 1 条将被" in text.split(f"{key}（")[1].split("\n")[0], key
    assert "试运行" in text
    assert AuditEntry.objects.count() == before
    for label, pk in city.old.items():
        assert _model(label).objects.filter(pk=pk).exists()


def test_purge_deletes_and_anonymises_old_records_only_and_keeps_the_chain(city):
    before_entries = AuditEntry.objects.count()
    call_command("purge_expired", "--batch-size", "1", stdout=io.StringIO())
    for label in DELETED:
        assert not _model(label).objects.filter(pk=city.old[label]).exists(), label
        assert _model(label).objects.filter(pk=city.recent[label]).exists(), label
    for label in ANONYMISED:
        model = _model(label)
        old = model.objects.get(pk=city.old[label])  # the row stays for the figures
        recent = model.objects.get(pk=city.recent[label])
        for f in personal_fields(model):
            assert getattr(old, f.attname) == "", (label, f.name)
            assert _raw(label, old.pk, f.column) == ""
        assert any(getattr(recent, f.attname) for f in personal_fields(model)), label
    assert (
        _model("health.assignment").objects.get(pk=city.old["health.assignment"]).release_note == ""
    )
    # One audit entry per batch (batch size 1: one per row), counts only, no personal data.
    purge_entries = AuditEntry.objects.filter(reason__startswith="retention").order_by("id")
    assert purge_entries.count() == AuditEntry.objects.count() - before_entries
    assert purge_entries.count() == len(DELETED) + len(ANONYMISED)
    for e in purge_entries:
        assert set(e.changes) >= {"rule", "as_of", "rows"} and e.changes["rows"] == 1
        assert "$" not in str(e.changes)  # no ciphertext, no values
    assert verify_chain().ok


def test_second_run_finds_nothing(city):
    call_command("purge_expired", stdout=io.StringIO())
    assert all(o.expired == 0 for o in retention.plan(timezone.localdate()))


def test_as_of_an_earlier_date_expires_nothing(city):
    day = (timezone.localdate() - dt.timedelta(days=800)).isoformat()
    call_command("purge_expired", "--as-of", day, stdout=io.StringIO())
    for label, pk in city.old.items():
        assert _model(label).objects.filter(pk=pk).exists()


def test_setting_overrides_the_period(city, settings):
    settings.FANGKONG_RETENTION_DAYS = {"health.nucleicacidtest": 5}
    call_command("purge_expired", stdout=io.StringIO())
    assert (
        not _model("health.nucleicacidtest")
        .objects.filter(pk=city.recent["health.nucleicacidtest"])
        .exists()
    )


def test_bad_as_of_gives_a_chinese_message(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("purge_expired", "--as-of", "30/06/2021")


def test_register_rejects_unknown_fields_and_actions():
    with pytest.raises(ValueError, match="action"):
        retention.register("health.CheckIn", date_field="date", days=1, action="shred")
    with pytest.raises(Exception, match="no_such"):
        retention.register("health.CheckIn", date_field="no_such", days=1, action="delete")


def test_anonymising_blanks_blind_indexes_and_search_keys(users):
    rule = retention.Rule("registry.Resident", "arrival_date", 1, retention.ANONYMISE)
    values = rule.blank_values()
    model = rule.model
    for f in model._meta.concrete_fields:
        if isinstance(f, BlindIndexField):
            assert values[f.attname] is None
        if isinstance(f, EncryptedTextField):
            assert values[f.attname] == ""
    assert values["name_pinyin"] == "" and values["name_initials"] == ""


def test_command_line_reject_files_expire_with_the_jobs_period(users, settings, tmp_path):
    """A command-line import's rejected-rows workbook (no job) was kept for ever."""
    import os

    from fangkong.core.importing.rejects import reject_dir
    from fangkong.core.models import Job

    settings.FANGKONG_EXPORT_DIR = tmp_path
    folder = reject_dir()
    old, recent, of_a_job = (folder / f"rejected-{n}.xlsx" for n in ("old", "recent", "job"))
    month_ago = (timezone.now() - dt.timedelta(days=31)).timestamp()
    for path in (old, recent, of_a_job):
        path.write_bytes(b"PK")
    for path in (old, of_a_job):
        os.utime(path, (month_ago, month_ago))
    Job.objects.create(
        kind="import", owner=users["community"], output_file=str(of_a_job)
    )  # the job rule's to remove
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert "无对应任务）：早于" in out.getvalue()
    assert "的 1 个将被删除" in out.getvalue()
    assert old.exists()
    before = AuditEntry.objects.count()
    call_command("purge_expired", stdout=io.StringIO())
    assert sorted(p.name for p in folder.iterdir()) == ["rejected-job.xlsx", "rejected-recent.xlsx"]
    entry = AuditEntry.objects.get(object_type="core.job:stray_reject_files")
    assert entry.changes["files"] == 1
    assert AuditEntry.objects.count() == before + 1
    assert verify_chain().ok


def test_batch_size_must_be_positive(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--batch-size 应为正整数"):
        call_command("purge_expired", "--batch-size", "0", stdout=io.StringIO())
