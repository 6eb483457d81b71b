"""Backup and restore round trip on the database the suite runs on (SQLite, then PostgreSQL)."""

import io
import json
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fangkong.core import backup
from fangkong.core.audit import verify_chain
from fangkong.core.testing.population import populate
from fangkong.registry.models import Resident


@pytest.fixture
def city(transactional_db, settings):
    # A scan a year old (kept that long here) lands in PostgreSQL's default partition.
    settings.FANGKONG_RETENTION_DAYS = {"venues.scan": 500}
    from fangkong.core.testing import factories

    areas = factories.build_city()
    users = factories.build_users(areas)
    city = populate(areas, users)
    _scans(areas, users)
    return city


def _scans(areas, users) -> None:
    """Scans (on PostgreSQL in this month's partition and in the default one) and a day count."""
    import datetime
    import random
    import uuid

    from django.utils import timezone

    from fangkong.core.testing.factories import make_id_number
    from fangkong.venues import partitioning, services
    from fangkong.venues.models import ScanDayCount

    if connection.vendor == "postgresql":
        partitioning.create_upcoming_partitions(1, today=timezone.localdate())
    venue = services.create_venue(
        actor=users["community"],
        data={"area": areas["grid_a"], "name": "海棠农贸市场", "kind": "market"},
    )
    now, rng = timezone.now(), random.Random(9)
    records = [
        {
            "id": str(uuid.uuid4()),
            "venue": venue.code,
            "scanned_at": (now - datetime.timedelta(days=days)).isoformat(),
            "id_number": make_id_number(rng=rng),
            "name": "访客",
        }
        for days in (0, 0, 400)  # the last one lands in the default partition
    ]
    result = services.ingest_scans(actor=users["community"], records=records)
    assert result.created == 3
    ScanDayCount.objects.create(venue=venue, day=datetime.date(2020, 2, 1), scans=7, refused=1)


def test_round_trip_restores_every_row_of_every_table(city, tmp_path):
    before = backup.table_digests()
    # Every personal table is covered, so the comparison means something.
    tables = ("registry_resident", "health_checkin", "tracing_case", "core_auditentry")
    for table in (*tables, "venues_scan", "venues_scandaycount"):
        assert before[table][0] > 0, table
    out = tmp_path / "fk.backup"
    call_command("backup", "--output", str(out))
    assert out.stat().st_mode & 0o077 == 0  # owner-only: the file holds personal data
    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    assert manifest["vendor"] == connection.vendor
    assert "secrets.json" not in names and not any("secret" in n for n in names)
    assert json.dumps(manifest).find(str(backup.settings.FANGKONG_INDEX_KEY)) == -1

    call_command("flush", interactive=False)
    assert Resident.objects.count() == 0
    call_command("restore", str(out))

    assert backup.table_digests() == before
    assert verify_chain().ok
    call_command("verify_audit")
    assert Resident.objects.get(pk=city.residents[0].pk).phone == city.residents[0].phone


def test_restore_refuses_a_database_holding_data_without_force(city, tmp_path):
    out = tmp_path / "fk.backup"
    backup.backup(out)
    resident = city.residents[0]
    Resident.objects.filter(pk=resident.pk).update(name="改过的名字")
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(out))
    assert Resident.objects.get(pk=resident.pk).name == "改过的名字"
    call_command("restore", str(out), "--force")
    assert Resident.objects.get(pk=resident.pk).name == resident.name


def test_restore_without_the_key_file_leaves_no_new_one(small_city, tmp_path, monkeypatch):
    """On a fresh machine without secrets.json the command made new keys, refused, and left
    them there; the original must be put back in their place."""
    from fangkong.settings import secrets as secrets_file

    info = backup.backup(tmp_path)
    made = tmp_path / "made-secrets.json"
    made.write_text("{}")
    monkeypatch.setattr(secrets_file, "_created", made)
    monkeypatch.setattr(backup, "key_fingerprint", lambda: "other keys")
    with pytest.raises(CommandError, match="密钥"):
        call_command("restore", str(info.path), "--force")
    assert not made.exists()


def test_restore_refuses_other_keys(city, tmp_path, settings):
    out = tmp_path / "fk.backup"
    backup.backup(out)
    call_command("flush", interactive=False)
    settings.FANGKONG_INDEX_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMTI="
    with pytest.raises(CommandError, match="密钥"):
        call_command("restore", str(out))
    assert Resident.objects.count() == 0


def test_restore_rejects_a_file_that_is_not_a_backup(transactional_db, tmp_path):
    bad = tmp_path / "x.backup"
    bad.write_bytes(b"PK\x03\x04 not a backup")
    with pytest.raises(CommandError, match="不是防控平台的备份文件"):
        call_command("restore", str(bad))


def test_table_digests_notice_a_changed_ciphertext(city):
    before = backup.table_digests()
    resident = city.residents[1]
    Resident.objects.filter(pk=resident.pk).update(phone="13900000000")
    after = backup.table_digests()
    assert after["registry_resident"][0] == before["registry_resident"][0]
    assert after["registry_resident"][1] != before["registry_resident"][1]


def test_missing_pg_client_gives_a_chinese_message(monkeypatch):
    monkeypatch.setattr("fangkong.core.testing.postgres.find_bindir", lambda: None)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(backup.BackupError, match="找不到 PostgreSQL 客户端程序 pg_dump"):
        backup.find_pg_binary("pg_dump")


@pytest.mark.postgres
def test_pg_dump_older_than_the_server_is_refused_with_a_chinese_message(
    city, tmp_path, monkeypatch
):
    monkeypatch.setattr(backup, "server_major", lambda alias="default": 99)
    with pytest.raises(CommandError, match=r"pg_dump 版本 .* 低于数据库服务器版本 99"):
        call_command("backup", "--output", str(tmp_path / "x.backup"))
    assert not (tmp_path / "x.backup").exists()


@pytest.fixture
def small_city(transactional_db, settings, tmp_path):
    from fangkong.core.testing import factories

    settings.VAR_DIR = tmp_path / "var"
    factories.build_users(factories.build_city())


def test_backup_into_a_folder_writes_the_dated_file_there(small_city, tmp_path):
    info = backup.backup(tmp_path)
    assert info.path.parent == tmp_path
    assert info.path.name.startswith("fangkong-")
    assert backup.read_manifest(info.path)["row_counts"] == info.manifest["row_counts"]


def test_backup_to_a_folder_that_does_not_exist_is_refused(small_city, tmp_path):
    """``--output /media/usb/fk.backup`` with the stick not mounted: not onto the server's disk."""
    with pytest.raises(CommandError, match=r"目录 .*usb 不存在"):
        call_command("backup", output=str(tmp_path / "usb" / "fk.backup"))
    assert not (tmp_path / "usb").exists()


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError(28, "No space left")])
def test_an_interrupted_backup_leaves_no_file(small_city, tmp_path, monkeypatch, interruption):
    def add(*args, **kwargs):
        raise interruption

    monkeypatch.setattr(tarfile.TarFile, "add", add)
    out = tmp_path / "fk.backup"
    with pytest.raises((KeyboardInterrupt, backup.BackupError)):
        backup.backup(out)
    assert list(tmp_path.glob("fk.backup*")) == []  # neither the file nor its .partial


@pytest.mark.postgres
def test_a_failed_postgresql_restore_leaves_the_data_as_it_was(city, tmp_path, monkeypatch):
    """The schema was dropped before pg_restore ran: a restore that failed or was stopped
    left an empty database. The old schema now stays aside until the new one is in."""
    out = tmp_path / "fk.backup"
    backup.backup(out)
    resident = city.residents[0]
    Resident.objects.filter(pk=resident.pk).update(name="恢复前的名字")

    def interrupted(args, env, what):
        raise KeyboardInterrupt

    monkeypatch.setattr(backup, "_run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        call_command("restore", str(out), "--force")
    assert Resident.objects.get(pk=resident.pk).name == "恢复前的名字"
    # A restore killed outright leaves the old schema aside: the next one puts it back first.
    monkeypatch.undo()
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA public RENAME TO {backup.SET_ASIDE_SCHEMA}")
        cursor.execute("CREATE SCHEMA public")
    call_command("restore", str(out), "--force")
    assert Resident.objects.get(pk=resident.pk).name == resident.name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", [backup.SET_ASIDE_SCHEMA]
        )
        assert cursor.fetchone()[0] == 0
    assert verify_chain().ok


def test_restore_says_when_the_backup_was_made_in_local_time(small_city, tmp_path):
    """It printed the UTC ISO stamp (09:42:37+00:00) of a file named fangkong-…-174237."""
    info = backup.backup(tmp_path)
    out = io.StringIO()
    call_command("restore", str(info.path), "--force", stdout=out)
    stamp = info.path.stem.removeprefix("fangkong-")  # 20261202-174237, local time
    local = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}"
    assert f"备份时间 {local}，" in out.getvalue()
