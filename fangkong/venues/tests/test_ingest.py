"""Batch ingest: idempotent resend, partial batches with per-record errors, scope."""

import datetime
import decimal
import functools
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.core import audit
from fangkong.core.models import AuditEntry
from fangkong.core.personal import index_value
from fangkong.core.testing.factories import make_id_number
from fangkong.status.models import PersonStatus
from fangkong.status.tokens import make_status_token
from fangkong.venues import services
from fangkong.venues.models import Scan


def _record(venue, now, **extra):
    base = {
        "id": str(uuid.uuid4()),
        "venue": venue.code,
        "scanned_at": (now - datetime.timedelta(minutes=5)).isoformat(),
        "direction": "in",
        "temperature": "36.5",
    }
    return base | extra


def test_resending_a_batch_creates_no_duplicates(users, market, green, red, now):
    token = make_status_token(PersonStatus.objects.get(pk=red.pk))
    batch = [
        _record(market, now, id_number=green.id_number),
        _record(market, now, token=token),
        _record(market, now, id_number=make_id_number(), name="外地访客"),
    ]
    first = services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert (first.created, first.duplicates, first.rejected) == (3, 0, 0)
    again = services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert (again.created, again.duplicates, again.rejected) == (0, 3, 0)
    assert [r["status"] for r in again.results] == ["duplicate"] * 3
    assert Scan.objects.count() == 3
    by_resident = {s.resident_id: s for s in Scan.objects.all()}
    assert (by_resident[green.pk].colour, by_resident[green.pk].admitted) == ("green", True)
    assert (by_resident[red.pk].colour, by_resident[red.pk].admitted) == ("red", False)
    visitor = by_resident[None]
    assert (visitor.colour, visitor.visitor_name) == ("unknown", "外地访客")
    assert visitor.id_number == batch[2]["id_number"]
    assert visitor.source == "device"
    # One audit entry per batch, not per scan.
    entries = AuditEntry.objects.filter(object_type="venues.scan").order_by("id")
    assert [e.changes["created"] for e in entries] == [3, 0]
    assert [e.changes["duplicates"] for e in entries] == [0, 3]


def test_a_record_repeated_inside_one_batch_is_stored_once(users, market, green, now):
    rec = _record(market, now, id_number=green.id_number)
    result = services.ingest_scans(actor=users["community"], records=[rec, dict(rec)], now=now)
    assert [r["status"] for r in result.results] == ["created", "duplicate"]
    assert Scan.objects.count() == 1


def test_partial_batch_accepts_good_records_and_reports_bad_ones(users, market, green, areas, now):
    from fangkong.venues.choices import VenueKind

    elsewhere = services.create_venue(
        actor=users["command"],
        data={"area": areas["grid_c"], "name": "米易超市", "kind": VenueKind.SUPERMARKET},
    )
    batch = [
        _record(market, now, id_number=green.id_number),
        _record(market, now, id="not-a-uuid", id_number=green.id_number),
        _record(market, now, id_number="110101199003071234"),
        _record(market, now, scanned_at="昨天", phone="13800001111", temperature="45"),
        _record(elsewhere, now, id_number=green.id_number),
        _record(market, now, direction="sideways", token="x"),
        _record(market, now, id_number=green.id_number, direction="out", temperature=""),
        "not an object",
    ]
    result = services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert (result.created, result.duplicates, result.rejected) == (2, 0, 6)
    assert [r["status"] for r in result.results] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "created",
        "rejected",
    ]
    assert result.errors == [
        {"index": 1, "field": "id", "message": "记录编号应为 UUID，如 3f2b…（由设备生成）"},
        {
            "index": 2,
            "field": "id_number",
            "message": "身份证号校验位不正确，请核对（可能有数字录错，或被 Excel 改动）",
        },
        {
            "index": 3,
            "field": "scanned_at",
            "message": "扫码时间格式不正确，应为 2026-11-30T08:15:00+08:00",
        },
        {"index": 3, "field": "temperature", "message": "体温应在 34.0–43.0℃ 之间"},
        {"index": 5, "field": "direction", "message": "进出方向只能是 in（进入）或 out（离开）"},
        {"index": 7, "field": "", "message": "每条记录应为一个 JSON 对象"},
        {"index": 4, "field": "venue", "message": "场所码不存在或不在您的管辖范围内"},
    ]
    assert Scan.objects.count() == 2


def test_invalid_personal_code_is_a_record_error(users, market, now):
    result = services.ingest_scans(
        actor=users["community"], records=[_record(market, now, token="forged")], now=now
    )
    assert result.errors == [{"index": 0, "field": "token", "message": "个人码无效"}]
    assert Scan.objects.count() == 0


def test_future_scans_and_oversized_batches_are_refused(users, market, green, now):
    later = (now + datetime.timedelta(hours=1)).isoformat()
    result = services.ingest_scans(
        actor=users["community"],
        records=[_record(market, now, id_number=green.id_number, scanned_at=later)],
        now=now,
    )
    assert result.errors[0]["message"] == "扫码时间晚于当前时间，请校准设备时钟"
    with pytest.raises(ValidationError) as e:
        services.ingest_scans(actor=users["community"], records=[{}] * 5001, now=now)
    assert e.value.message_dict == {"records": ["每批最多 5000 条记录，请分批上传"]}
    with pytest.raises(ValidationError):
        services.ingest_scans(actor=users["community"], records=[], now=now)


def test_scans_older_than_their_retention_and_unknown_fields_are_refused(
    users, market, green, settings, now
):
    # A scan past its 28 days would be purged the next night; a device whose clock reset to
    # a past year is told so instead of filling old months.
    def one(**extra):
        return services.ingest_scans(
            actor=users["community"],
            records=[_record(market, now, id_number=green.id_number, **extra)],
            now=now,
        )

    edge = now - datetime.timedelta(days=27, hours=23)
    assert one(scanned_at=edge.isoformat()).created == 1
    cutoff = timezone.localtime(now - datetime.timedelta(days=28)).date().isoformat()
    result = one(scanned_at="2019-06-01T08:00:00+08:00")
    assert result.errors == [
        {
            "index": 0,
            "field": "scanned_at",
            "message": f"扫码时间早于 {cutoff}，超出扫码记录的保存期限，不再接收；请检查设备时钟",
        }
    ]
    settings.FANGKONG_RETENTION_DAYS = {"venues.scan": 400}  # the period is the configured one
    old = (now - datetime.timedelta(days=100)).isoformat()
    assert one(scanned_at=old).created == 1
    # A misspelled field would have stored the scan without its temperature.
    result = one(temprature="38.5", **{"temperature": None})
    assert result.errors == [
        {"index": 0, "field": "temprature", "message": "未知字段（字段名是否拼错？）"}
    ]
    assert Scan.objects.count() == 2


def test_ingest_needs_the_permission_and_writes_nothing_without_it(users, market, green, now):
    with pytest.raises(PermissionDenied):
        services.ingest_scans(
            actor=users["grid_a"],
            records=[_record(market, now, id_number=green.id_number)],
            now=now,
        )
    assert Scan.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="venues.scan").exists()


def test_repeated_people_in_a_batch_are_checked_once_and_stored_alike(users, market, green, now):
    visitor_id = make_id_number()
    batch = [
        _record(market, now, id_number=green.id_number),
        _record(market, now, id_number=green.id_number.lower(), direction="out"),
        _record(market, now, id_number=visitor_id, name="外地访客"),
        _record(market, now, id_number=visitor_id, name="外地访客", direction="out"),
        _record(market, now, phone="138 0000 1111", name="送货员"),
        _record(market, now, phone="13800001111", name="送货员", direction="out"),
        _record(market, now, id_number="110101199003071234"),
        _record(market, now, id_number="110101199003071234", temperature="45"),
        _record(market, now, id_number=green.id_number, temperature=["36.5"], direction=["in"]),
    ]
    result = services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert (result.created, result.rejected) == (6, 3)
    checksum = "身份证号校验位不正确，请核对（可能有数字录错，或被 Excel 改动）"
    assert result.errors == [
        {"index": 6, "field": "id_number", "message": checksum},
        {"index": 7, "field": "temperature", "message": "体温应在 34.0–43.0℃ 之间"},
        {"index": 7, "field": "id_number", "message": checksum},
        {"index": 8, "field": "direction", "message": "进出方向只能是 in（进入）或 out（离开）"},
        {"index": 8, "field": "temperature", "message": "体温应填写数字，如 36.5"},
    ]
    scans = list(Scan.objects.order_by("direction"))
    assert sum(1 for s in scans if s.resident_id == green.pk) == 2
    visitors = [s for s in scans if s.resident_id is None]
    by_id = [s for s in visitors if s.id_number]
    assert {s.id_number for s in by_id} == {visitor_id}
    assert len({s.id_number_index for s in by_id}) == 1
    by_phone = [s for s in visitors if s.phone]
    assert {s.phone for s in by_phone} == {"13800001111"}
    assert len({s.phone_index for s in by_phone}) == 1 and by_phone[0].phone_index


@pytest.mark.django_db
def test_scan_column_adapters_give_what_the_fields_give(now):
    from django.db import connection

    moment_of, uuid_of = services.scan_column_adapters(connection)
    fields = {f.attname: f for f in Scan._meta.concrete_fields}
    for moment in (now, now.replace(microsecond=123456), now.astimezone(datetime.UTC)):
        expected = fields["scanned_at"].get_db_prep_save(moment, connection)
        assert (moment_of(moment) if moment_of else moment) == expected
    key = uuid.uuid4()
    assert (uuid_of(key) if uuid_of else key) == fields["uuid"].get_db_prep_save(key, connection)
    for column in ("venue_id", "resident_id", "direction", "temperature", "admitted", "source"):
        value = {"temperature": decimal.Decimal("36.5"), "admitted": True}.get(column, 7)
        if column in ("direction", "source"):
            value = "in"
        assert fields[column].get_db_prep_save(value, connection) == value, column


def test_a_large_batch_resent_and_overlapping_is_stored_exactly_once(users, market, green, now):
    # Above INSERT_CHUNK (two statements on SQLite) and COPY_FROM_ROWS (COPY on PostgreSQL).
    size = services.INSERT_CHUNK + 20
    assert size >= services.COPY_FROM_ROWS
    batch = [
        _record(market, now, phone=f"139{i:08d}", name="访客")
        if i % 2
        else _record(market, now, id_number=green.id_number)
        for i in range(size)
    ]
    batch.append(dict(batch[3]))  # the same record twice in one batch
    first = services.ingest_scans(actor=users["community"], records=batch[:300], now=now)
    assert (first.created, first.duplicates, first.rejected) == (300, 0, 0)
    second = services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert (second.created, second.duplicates, second.rejected) == (size - 300, 301, 0)
    statuses = [r["status"] for r in second.results]
    assert statuses == ["duplicate"] * 300 + ["created"] * (size - 300) + ["duplicate"]
    assert Scan.objects.count() == size
    assert Scan.objects.filter(resident=green).count() == size // 2
    assert Scan.objects.filter(phone_index__isnull=False).count() == size // 2


def test_the_batch_lookups_find_what_the_scoped_querysets_find(
    users, areas, market, checkpoint, green, red
):
    from fangkong.registry.models import Resident
    from fangkong.venues.choices import VenueKind
    from fangkong.venues.models import Venue

    elsewhere = services.create_venue(
        actor=users["command"],
        data={"area": areas["grid_c"], "name": "米易超市", "kind": VenueKind.SUPERMARKET},
    )
    codes = {market.code, checkpoint.code, elsewhere.code, "no-such-code"}
    seen = set()
    for user in users.values():
        expected = dict(
            Venue.objects.visible_to(user).filter(code__in=codes).values_list("code", "pk")
        )
        assert services._venue_ids(user, codes) == expected, user.username
        seen.add(frozenset(expected))
    assert len(seen) >= 3  # some users see all three, some a part, some none
    unknown = make_id_number()
    indexes = [Resident.objects.get(pk=r.pk).id_number_index for r in (green, red)] + [
        index_value(unknown, kind="id_number", purpose="id")
    ]
    expected = set(
        Resident.objects.filter(id_number_index__in=indexes).values_list(
            "id_number_index", "pk", "status__colour"
        )
    )
    assert set(services._lookup("residents", sorted(indexes))) == expected
    assert {colour for _i, _pk, colour in expected} == {"green", "red"}


@pytest.mark.django_db(transaction=True)
def test_a_single_scan_outside_any_transaction_is_written_whole_or_not_at_all(
    users, market, green, monkeypatch, now
):
    """A small batch is one short transaction of its own (``_short_write``): a failure after
    its insert leaves no scan, day count or audit entry, and the resend is stored once."""
    from django.db import connection

    from fangkong.core import audit
    from fangkong.venues.models import ScanDayCount

    batch = [
        _record(market, now, id_number=green.id_number),
        _record(market, now, phone="13800001111"),
    ]
    assert len(batch) < services.COPY_FROM_ROWS and connection.get_autocommit()

    def dropped(*args, **kwargs):
        raise ConnectionError("the connection dropped")

    with monkeypatch.context() as m, pytest.raises(ConnectionError):
        m.setattr(audit, "append", dropped)
        services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert connection.get_autocommit()
    assert Scan.objects.count() == 0 and not ScanDayCount.objects.exists()
    assert not AuditEntry.objects.filter(object_type="venues.scan").exists()
    first = services.ingest_scans(actor=users["community"], records=batch, now=now)
    again = services.ingest_scans(actor=users["community"], records=batch, now=now)
    assert (first.created, again.created, again.duplicates) == (2, 0, 2)
    assert Scan.objects.count() == 2
    # The visitor (unknown colour) is refused at the door.
    assert [(c.scans, c.refused) for c in ScanDayCount.objects.all()] == [(2, 1)]
    entries = AuditEntry.objects.filter(object_type="venues.scan").order_by("id")
    assert [e.changes["created"] for e in entries] == [2, 0]
    assert audit.verify_chain().ok


def test_the_recorded_time_takes_the_scan_time_adapter(db):
    from django.db import connection

    moment_of, _uuid_of = services.scan_column_adapters(connection)
    field = Scan._meta.get_field("recorded_at")
    now = timezone.now()
    assert (moment_of(now) if moment_of else now) == field.get_db_prep_save(now, connection)


# --- one scan on PostgreSQL (``services._one_scan``) ----------------------------------------


def _general_path(monkeypatch):
    """The same call with the one-scan statement switched off (``ingest_scans``' own rule:
    an actor without a scope prefix goes the general way)."""
    monkeypatch.setattr(services, "_scope_prefix", lambda actor: None)


def _stored(record_id) -> dict:
    """A stored scan's values as the ORM reads them (personal fields decrypted), less its key
    and the time it was recorded."""
    scan = Scan.objects.get(uuid=record_id)
    skip = {"uuid", "recorded_at"}
    return {
        f.attname: getattr(scan, f.attname)
        for f in Scan._meta.concrete_fields
        if f.attname not in skip
    }


def _entry(entry) -> dict:
    return {
        "changes": entry.changes,
        "repr": entry.object_repr,
        "area": entry.area_path,
        "actor": (entry.actor_id, entry.actor_name),
        "action": entry.action,
        "type": entry.object_type,
    }


def test_one_scan_stores_answers_and_audits_as_the_general_path(
    users, areas, market, green, red, monkeypatch, now
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.accounts.choices import Role
    from fangkong.core import audit
    from fangkong.core.testing.factories import make_user
    from fangkong.status.testing import make_resident
    from fangkong.venues.choices import VenueKind
    from fangkong.venues.models import ScanAreaDayCount, ScanDayCount

    no_status = make_resident(areas["grid_a"], name="王未算")  # registered, no colour yet
    elsewhere = services.create_venue(
        actor=users["command"],
        data={"area": areas["grid_c"], "name": "米易超市", "kind": VenueKind.SUPERMARKET},
    )
    visitor_number = make_id_number()
    cases = [
        ("community", _record(market, now, id_number=green.id_number)),
        ("community", _record(market, now, id_number=red.id_number)),
        ("community", _record(market, now, id_number=red.id_number, direction="out")),
        ("community", _record(market, now, id_number=green.id_number, admitted=False)),
        ("community", _record(market, now, id_number=red.id_number, admitted=True)),
        ("community", _record(market, now, id_number=no_status.id_number)),
        ("community", _record(market, now, id_number=visitor_number, name="外地访客")),
        ("community", _record(market, now, phone="13800001111", name="送货员", temperature="")),
        ("command", _record(market, now, phone="+86 138 0000 2222")),
        ("street", _record(market, now, id_number=green.id_number, temperature="37.9")),
        ("grid_b", _record(market, now, id_number=green.id_number)),  # not in grid_b's scope
        ("nowhere", _record(market, now, id_number=green.id_number)),  # no area: the general path
        ("community", _record(elsewhere, now, id_number=green.id_number)),  # nor in community's
        ("community", _record(market, now, id_number=green.id_number) | {"venue": "no-such-code"}),
    ]
    # A system administrator (no area) sees every venue; a device account kept to one grid.
    users = users | {
        "admin": make_user(Role.COMMAND, None, username="admin", superuser=True),
        "grid_b": make_user(Role.COMMUNITY, areas["grid_b"], username="device_b"),
        "nowhere": make_user(Role.COMMUNITY, None, username="nowhere"),
    }
    cases.append(("admin", _record(elsewhere, now, id_number=green.id_number)))

    def counts():
        return (
            sorted(ScanDayCount.objects.values_list("venue_id", "day", "scans", "refused")),
            sorted(ScanAreaDayCount.objects.values_list("area_id", "day", "scans", "refused")),
        )

    def entries_after(last_id):
        return [_entry(e) for e in AuditEntry.objects.filter(id__gt=last_id).order_by("id")]

    def ingest(who, rec, one_path=True):
        last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        before = counts()
        with CaptureQueriesContext(connection) as queries:
            answers = [
                services.ingest_scans(actor=users[who], records=[r], now=now).as_dict()
                for r in (rec, dict(rec))  # and its resend
            ]
        if connection.vendor == "postgresql" and who != "nowhere" and one_path:
            # Per request one statement (scan, then resend).
            assert len(queries) == 2, [q["sql"][:60] for q in queries]
        for answer in answers:
            for result in answer["results"]:
                result.pop("id")
        stored = _stored(rec["id"]) if Scan.objects.filter(uuid=rec["id"]).exists() else None
        return answers, stored, entries_after(last), before, counts()

    one_path, general = [], []
    for who, rec in cases:
        one_path.append(ingest(who, rec))
    with monkeypatch.context() as m:
        _general_path(m)
        for who, rec in cases:
            general.append(ingest(who, rec | {"id": str(uuid.uuid4())}, one_path=False))
    for (who, rec), mine, theirs in zip(cases, one_path, general, strict=True):
        answers, stored, entries, before, after = mine
        g_answers, g_stored, g_entries, g_before, g_after = theirs
        assert answers == g_answers, (who, rec)
        assert stored == g_stored, (who, rec)
        assert entries == g_entries, (who, rec)
        # The same additions to the day counts (each run adds its own scans).
        assert (before == after) == (g_before == g_after), (who, rec)
    stored = [s for _a, s, *_rest in one_path]
    assert {s["colour"] for s in stored if s} == {"green", "red", "unknown"}
    assert sum(1 for s in stored if s is None) == 4  # the four refused venues
    refused = one_path[-2][0][0]  # an unknown venue code
    assert refused["errors"][0]["field"] == "venue" and refused["rejected"] == 1
    assert [a["results"][0]["status"] for a in one_path[0][0]] == ["created", "duplicate"]
    assert audit.verify_chain().ok


def test_one_scan_counts_the_days_as_the_general_path(users, market, green, monkeypatch, now):
    from fangkong.venues.models import ScanAreaDayCount, ScanDayCount

    def counts():
        return (
            list(ScanDayCount.objects.values_list("scans", "refused")),
            list(ScanAreaDayCount.objects.values_list("area_id", "scans", "refused")),
        )

    batch = [
        _record(market, now, id_number=green.id_number),
        _record(market, now, phone="13800001111"),  # a visitor: refused
        _record(market, now, id_number=green.id_number, direction="out"),
    ]
    for rec in batch:
        services.ingest_scans(actor=users["community"], records=[rec], now=now)
        services.ingest_scans(actor=users["community"], records=[rec], now=now)  # resent
    mine = counts()
    ScanDayCount.objects.all().delete()
    ScanAreaDayCount.objects.all().delete()
    with monkeypatch.context() as m:
        _general_path(m)
        for rec in batch:
            rec = rec | {"id": str(uuid.uuid4())}
            services.ingest_scans(actor=users["community"], records=[rec], now=now)
            services.ingest_scans(actor=users["community"], records=[rec], now=now)
    assert mine == counts()
    assert mine[0] == [(3, 1)]


@pytest.mark.django_db(transaction=True)
def test_one_scan_outside_any_transaction_is_written_whole_or_not_at_all(
    users, market, green, monkeypatch, now
):
    from django.db import connection

    from fangkong.core import audit
    from fangkong.venues.models import ScanDayCount

    rec = _record(market, now, id_number=green.id_number)

    def dropped(*args, **kwargs):
        raise ConnectionError("the connection dropped")

    with monkeypatch.context() as m, pytest.raises(Exception, match=r"division by zero|dropped"):
        if connection.vendor == "postgresql":  # the one statement fails after its writes
            sql = services._one_scan_sql(connection.vendor)
            # Evaluated after the audit entry's function: the whole statement rolls back.
            failing = sql.replace(" FROM n WHERE", ", 1 / (created - created) FROM n WHERE")
            assert failing != sql
            m.setattr(services, "_one_scan_sql", lambda vendor: failing)
        else:  # the general path: fails after the insert
            m.setattr(audit, "append", dropped)
        services.ingest_scans(actor=users["community"], records=[rec], now=now)
    assert connection.get_autocommit()
    assert Scan.objects.count() == 0 and not ScanDayCount.objects.exists()
    assert not AuditEntry.objects.filter(object_type="venues.scan").exists()
    first = services.ingest_scans(actor=users["community"], records=[rec], now=now)
    again = services.ingest_scans(actor=users["community"], records=[rec], now=now)
    assert (first.created, again.created, again.duplicates) == (1, 0, 1)
    assert Scan.objects.count() == 1
    assert [(c.scans, c.refused) for c in ScanDayCount.objects.all()] == [(1, 0)]
    entries = AuditEntry.objects.filter(object_type="venues.scan").order_by("id")
    assert [(e.changes["created"], e.changes["duplicates"]) for e in entries] == [(1, 0), (0, 1)]
    assert audit.verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_one_scan_in_a_fresh_database_starts_the_audit_chain(areas, now):
    """No audited write before it: no chain head yet (the one-scan statement then writes
    nothing, the head is created and the statement sent again)."""
    from django.db import connection

    from fangkong.accounts.choices import Role
    from fangkong.core import audit
    from fangkong.core.testing.factories import make_user
    from fangkong.venues.choices import VenueKind
    from fangkong.venues.models import Venue

    with connection.cursor() as cur:  # as a database no one has written to yet
        cur.execute("DELETE FROM core_auditentry")
        cur.execute("DELETE FROM core_audithead")
    venue = Venue.objects.create(area=areas["grid_a"], name="新卡点", kind=VenueKind.CHECKPOINT)
    device = make_user(Role.COMMUNITY, areas["community"], username="device")
    rec = _record(venue, now, phone="13800001111")
    first = services.ingest_scans(actor=device, records=[rec], now=now)
    again = services.ingest_scans(actor=device, records=[rec], now=now)
    assert (first.created, again.duplicates) == (1, 1)
    assert connection.get_autocommit()
    entries = AuditEntry.objects.order_by("id")
    assert [e.changes["created"] for e in entries] == [1, 0]
    assert audit.verify_chain().ok


def _day_rows(model, **where):
    return sorted(model.objects.filter(**where).values_list("shard", "scans"))


class _Held:
    """``write`` run inside a transaction on another thread's connection, kept open (its
    locks held) until ``release``: another server process's write, not yet committed."""

    def __init__(self, write):
        import threading

        self.done, self.go, self.errors = threading.Event(), threading.Event(), []
        self.thread = threading.Thread(target=self._run, args=(write,))
        self.thread.start()
        assert self.done.wait(30) and not self.errors, self.errors

    def _run(self, write):
        from django.db import connections, transaction

        try:
            with transaction.atomic():
                write()
                self.done.set()
                self.go.wait(30)
        except Exception as exc:  # reported by the test's thread
            self.errors.append(exc)
        finally:
            self.done.set()
            connections.close_all()

    def release(self):
        self.go.set()
        self.thread.join(30)
        assert not self.errors, self.errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_scan_counts_in_a_row_no_other_scan_is_writing(users, market, green, now):
    """A single scan adds to the first of its venue's (and area's) rows of the day that no
    other single scan is writing, and starts another when all are taken, instead of waiting
    for the other's commit; batches add to row 0, which single scans leave alone; the day's
    figure is the sum of its rows."""
    from django.db import connection

    from fangkong.venues.models import ScanAreaDayCount, ScanDayCount

    scan = functools.partial(services.ingest_scans, actor=users["community"], now=now)
    scan(records=[_record(market, now, phone="13800001111")])  # row 1 of the venue and the area
    # The records' own day: five minutes before now, which is the day before just after midnight.
    day = timezone.localdate(datetime.datetime.fromisoformat(_record(market, now)["scanned_at"]))
    batch = [_record(market, now, phone=f"1380000200{n}") for n in range(2)]
    held = [  # a batch and a single scan at the same venue, neither committed yet
        _Held(lambda: scan(records=batch)),
        _Held(lambda: scan(records=[_record(market, now, phone="13800003333")])),
    ]
    with connection.cursor() as cur:  # a scan that waited would fail, not hang the test
        cur.execute("SET lock_timeout = '5s'")
    try:
        result = scan(records=[_record(market, now, id_number=green.id_number)])  # does not wait
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET lock_timeout")
        for h in held:
            h.release()
    assert (result.created, result.rejected) == (1, 0)
    assert _day_rows(ScanDayCount, venue=market, day=day) == [(0, 2), (1, 2), (2, 1)]
    assert _day_rows(ScanAreaDayCount, area_id=market.area_id, day=day) == [(0, 2), (1, 2), (2, 1)]
    scan(records=[_record(market, now, phone="13800004444")])  # row 1 is free again
    assert _day_rows(ScanDayCount, venue=market, day=day) == [(0, 2), (1, 3), (2, 1)]
    figures = ScanAreaDayCount.objects.filter(area_id=market.area_id, day=day)
    assert sum(figures.values_list("scans", flat=True)) == Scan.objects.count() == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_scan_locks_the_audit_head_last(users, market, green, pg_sessions, now):
    """An audit chain's tip — held until the commit is flushed — is locked only once the
    scan and its day counts are in: a single scan waiting for a day-count row (here: one a
    move of the venue is rewriting) holds no tip meanwhile."""
    import threading

    from django.db import connections

    first = _record(market, now, phone="13800001111")
    services.ingest_scans(actor=users["community"], records=[first], now=now)
    holder = pg_sessions()  # holds the venue's rows of the day
    other = pg_sessions(autocommit=True)  # another audited writer
    outcome = []

    def scan():
        try:
            rec = _record(market, now, id_number=green.id_number)
            outcome.append(services.ingest_scans(actor=users["community"], records=[rec], now=now))
        finally:
            connections.close_all()

    waiting = threading.Thread(target=scan)
    try:
        holder.execute(
            "SELECT 1 FROM venues_scandaycount WHERE venue_id = %s FOR UPDATE", [market.pk]
        )
        waiting.start()
        for _ in range(200):  # until the scan's statement waits for that row
            found = other.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'WITH src AS%%'"
            ).fetchone()[0]
            if found:
                break
            waiting.join(0.05)
        assert found == 1
        with other.transaction():  # no tip is held: NOWAIT does not fail on any
            rows = other.execute(
                "SELECT id FROM core_audithead ORDER BY id FOR UPDATE NOWAIT"
            ).fetchall()
            assert len(rows) == audit.PG_LANES
    finally:
        holder.rollback()
        if waiting.is_alive():
            waiting.join(30)
    assert [(r.created, r.rejected) for r in outcome] == [(1, 0)]
    assert AuditEntry.objects.filter(object_type="venues.scan").count() == 2
