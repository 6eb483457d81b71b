"""Crypto-shredding of personal values in the audit log: rotate, then retire the old key."""

import datetime as dt
import io
import json
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from fangkong.core import crypto, keys
from fangkong.core.audit import verify_chain
from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services
from fangkong.registry.models import Resident

ID_NUMBER = make_id_number(rng=random.Random(4))


@pytest.fixture
def key_file(settings, tmp_path):
    """The keys in a secrets.json of a temporary var/, restored after the test."""
    settings.VAR_DIR = tmp_path
    settings.FANGKONG_FIELD_KEYS = dict(settings.FANGKONG_FIELD_KEYS)
    (tmp_path / "secrets.json").write_text(
        json.dumps(
            {"FIELD_KEYS": settings.FANGKONG_FIELD_KEYS, "INDEX_KEY": "x", "SECRET_KEY": "y"}
        )
    )
    yield tmp_path / "secrets.json"
    crypto.reset_caches()


@pytest.fixture
def resident(users, areas):
    return services.create_resident(
        actor=users["command"],
        data={
            "area": areas["grid_a"],
            "name": "周五",
            "id_number": ID_NUMBER,
            "phone": "13800001111",
        },
    )


def _audit_token(resident):
    entry = AuditEntry.objects.filter(object_type="registry.resident", object_id=str(resident.pk))
    return entry.order_by("id").first().changes["phone"]


def test_rotation_reencrypts_live_data_and_leaves_the_audit_log_alone(key_file, resident):
    old_id = keys.current_key_id()
    token = _audit_token(resident)
    assert token.startswith(f"{old_id}$")
    call_command("rotate_field_key", stdout=io.StringIO())
    new_id = keys.current_key_id()
    assert new_id == str(int(old_id) + 1)
    assert new_id in json.loads(key_file.read_text())["FIELD_KEYS"]
    fresh = Resident.objects.get(pk=resident.pk)
    assert (fresh.phone, fresh.id_number) == ("13800001111", ID_NUMBER)
    usage = {u.key_id: u for u in keys.key_usage()}
    assert usage[old_id].live_rows == 0 and usage[old_id].audit_entries >= 1
    assert usage[new_id].live_rows >= 1
    assert _audit_token(resident) == token  # the entry is never edited
    assert verify_chain().ok


def test_retiring_waits_for_the_audit_retention_then_shreds(key_file, resident, settings):
    old_id = keys.current_key_id()
    with pytest.raises(CommandError, match="当前密钥"):
        call_command("retire_field_key", old_id)
    call_command("rotate_field_key", stdout=io.StringIO())
    with pytest.raises(CommandError, match="起才能停用"):
        call_command("retire_field_key", old_id)

    settings.FANGKONG_AUDIT_PERSONAL_DAYS = 0
    later = timezone.localdate() + dt.timedelta(days=1)
    keys.retire_field_key(old_id, today=later)
    assert old_id not in json.loads(key_file.read_text())["FIELD_KEYS"]
    with pytest.raises(KeyError):
        crypto.decrypt(_audit_token(resident))  # shredded
    assert Resident.objects.get(pk=resident.pk).phone == "13800001111"
    assert verify_chain().ok


def test_retiring_refuses_while_live_rows_use_the_key(key_file, resident, settings):
    old_id = keys.current_key_id()
    settings.FANGKONG_FIELD_KEYS = {
        **settings.FANGKONG_FIELD_KEYS,
        "99": settings.FANGKONG_FIELD_KEYS[old_id],
    }
    crypto.reset_caches()
    with pytest.raises(keys.FieldKeyError, match="rotate-field-key"):
        keys.retire_field_key(old_id)


def test_dry_run_reports_each_key(key_file, resident):
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert f"加密密钥 {keys.current_key_id()}：现有数据" in out.getvalue()


@pytest.fixture
def scan(users, areas):
    """A venue scan with an ID number (scans are append-only)."""
    import uuid

    from django.db import connection

    from fangkong.venues import partitioning
    from fangkong.venues import services as venues

    if connection.vendor == "postgresql":
        partitioning.create_upcoming_partitions(1, today=timezone.localdate())
    venue = venues.create_venue(
        actor=users["community"],
        data={"area": areas["grid_a"], "name": "海棠农贸市场", "kind": "market"},
    )
    record = {
        "id": str(uuid.uuid4()),
        "venue": venue.code,
        "scanned_at": timezone.now().isoformat(),
        "id_number": make_id_number(rng=random.Random(5)),
        "name": "访客",
    }
    assert venues.ingest_scans(actor=users["community"], records=[record]).created == 1


def test_rotation_leaves_append_only_scans_under_their_key(key_file, resident, scan, settings):
    """Rotating on an installation with scans crashed (scans are append-only) after saving the
    new key and re-encrypting some models: the running server could no longer read them."""
    from fangkong.venues.models import Scan

    old_id = keys.current_key_id()
    out = io.StringIO()
    call_command("rotate_field_key", stdout=out)
    assert "请立即重启 fangkong serve" in out.getvalue()
    assert Resident.objects.get(pk=resident.pk).id_number == ID_NUMBER
    assert Scan.objects.get().id_number == make_id_number(rng=random.Random(5))
    usage = {u.key_id: u for u in keys.key_usage()}
    assert usage[old_id].live_rows == 1  # the scan
    settings.FANGKONG_AUDIT_PERSONAL_DAYS = 0
    with pytest.raises(keys.FieldKeyError, match="还有 1 行扫码记录（只追加、不重新加密）"):
        keys.retire_field_key(old_id, today=timezone.localdate() + dt.timedelta(days=1))
    assert verify_chain().ok
