"""Every write of the venues app: venues, scans (public page, checkpoint staff, batch ingest)
and going-out approvals. Scans are append-only: there is no update or delete function.
"""

from __future__ import annotations

import datetime
import operator
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, crypto, pipelined
from fangkong.core.models.audit import AuditAction, AuditHead
from fangkong.core.personal import index_value, mask_name
from fangkong.core.scoping import is_global, path_visible_to, user_area
from fangkong.core.services import (
    audited_create,
    lock_rows,
    lock_versioned,
    refuse_duplicate,
    require_area,
    require_perm,
)
from fangkong.health.choices import AssignmentState
from fangkong.health.rules import is_fever
from fangkong.registry.models import Resident
from fangkong.status.clock import local_date
from fangkong.status.models import PersonStatus
from fangkong.status.tokens import SALT, TOKEN_MAX_AGE

from . import retention, selectors
from .choices import ApprovalState, Direction, ScanColour, ScanSource, VenueKind
from .day_counts import (
    COUNTED_FIRST,
    add_day_counts,
    counting_ctes,
    counting_insert,
    counting_insert_params,
    tally,
    upserts,
)
from .models import OutingApproval, Scan, Venue
from .rules import MAX_BATCH, ScanRecord, clean_identity, clean_optional_temperature, parse_record

# --- venues ------------------------------------------------------------------------------

VENUE_FIELDS = (
    "area",
    "name",
    "kind",
    "address",
    "capacity",
    "measures_temperature",
    "nat_hours",
    "active",
    "notes",
)


def _clean_venue(data: dict[str, Any], *, exclude_pk=None) -> dict[str, Any]:
    data = {k: data.get(k) for k in VENUE_FIELDS if k in data}
    if data.get("area") is None:
        raise ValidationError({"area": _("请选择所属区域")})
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("场所名称不能为空")})
    data["name"] = name
    if data.get("kind") not in VenueKind.values:
        raise ValidationError({"kind": _("请选择场所类型")})
    if data.get("capacity") is not None and int(data["capacity"]) < 1:
        raise ValidationError({"capacity": _("限流人数至少为 1；不限流请留空")})
    if data.get("nat_hours") is not None and not 1 <= int(data["nat_hours"]) <= 24 * 14:
        raise ValidationError({"nat_hours": _("核酸查验时限应在 1–336 小时之间")})
    refuse_duplicate(
        Venue.objects.filter(area=data["area"], name=name),
        exclude_pk=exclude_pk,
        field="name",
        message=_("该区域内已有同名场所"),
    )
    for key in ("address", "notes"):
        data[key] = (data.get(key) or "").strip()
    return data


def create_venue(*, actor, data: dict[str, Any]) -> Venue:
    require_perm(actor, "venues.add_venue")
    require_area(actor, data.get("area"))
    data = _clean_venue(data)
    with transaction.atomic():
        return audited_create(actor, Venue, **data)


def update_venue(
    *, actor, venue: Venue, data: dict[str, Any], expected_version: int | None
) -> Venue:
    require_perm(actor, "venues.change_venue")
    require_area(actor, venue.area)
    merged = {f: getattr(venue, f) for f in VENUE_FIELDS} | dict(data)
    require_area(actor, merged["area"])
    merged = _clean_venue(merged, exclude_pk=venue.pk)
    with transaction.atomic():
        before = lock_versioned(venue, expected_version)
        for key, value in merged.items():
            setattr(venue, key, value)
        venue.version = before.version + 1
        venue.save()
        audit.record_update(actor, before, venue)
    return venue


def delete_venue(*, actor, venue: Venue, reason: str = "") -> None:
    require_perm(actor, "venues.delete_venue")
    require_area(actor, venue.area)
    if Scan.objects.filter(venue=venue).exists():
        raise ValidationError(_("该场所已有扫码记录，不能删除；如不再使用请停用"))
    with transaction.atomic():
        audit.record_delete(actor, venue, reason=reason)
        venue.delete()


# --- admission decisions -----------------------------------------------------------------


@dataclass
class Admission:
    """What the door says: admitted or refused, and why (texts for the person or staff)."""

    admitted: bool
    colour: str
    reasons: list[str] = field(default_factory=list)
    occupancy: int = 0
    capacity: int | None = None
    at_limit: bool = False
    scan: Scan | None = None
    masked_name: str = ""
    check: selectors.ThreeCodeCheck | None = None

    @property
    def leaving(self) -> bool:
        """A recorded exit: never refused, and shown as such rather than as 准予通行."""
        return self.scan is not None and self.scan.direction == Direction.OUT


UNREGISTERED_REASON = _(
    "未在本系统查到您的登记信息，暂不能通过。请向现场工作人员出示健康码，或到所在社区登记"
)


def _refusals(*, colour: str, status_reasons: list[str], temperature: Decimal | None) -> list[str]:
    out: list[str] = []
    if colour == ScanColour.UNKNOWN:
        out.append(str(UNREGISTERED_REASON))
    elif colour != ScanColour.GREEN:
        out.extend(status_reasons or [_("健康码非绿码")])
    if temperature is not None and is_fever(temperature):
        out.append(_("体温 %(t)s℃ 异常，请配合工作人员复测") % {"t": temperature})
    return out


def _flow_limit_text(venue: Venue, current: int) -> str:
    return _("限流：场所内已有 %(n)s 人，已达上限 %(cap)s 人，请稍候再进") % {
        "n": current,
        "cap": venue.capacity,
    }


def _lock_for_entry(venue: Venue) -> None:
    # Entries into a capacity-limited venue queue on its row, so two doors cannot both
    # take the last place (PostgreSQL; SQLite serialises writers anyway).
    if venue.capacity is not None:
        lock_rows(Venue, [venue.pk])


def _new_scan(
    *,
    venue: Venue,
    now: datetime.datetime,
    direction: str,
    colour: str,
    admitted: bool,
    source: str,
    resident: Resident | None,
    temperature: Decimal | None,
    actor=None,
    id_number: str = "",
    phone: str = "",
    visitor_name: str = "",
) -> Scan:
    visitor = resident is None
    return Scan(
        scanned_at=now,
        uuid=uuid.uuid4(),
        venue=venue,
        resident=resident,
        direction=direction,
        temperature=temperature,
        colour=colour,
        admitted=admitted,
        source=source,
        visitor_name=visitor_name if visitor else "",
        id_number=id_number if visitor else "",
        phone=phone if visitor else "",
        id_number_index=index_value(id_number, kind="id_number", purpose="id") if visitor else None,
        phone_index=index_value(phone, kind="phone", purpose="phone") if visitor else None,
        recorded_at=timezone.now(),
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )


def _record(actor, scan: Scan) -> Scan:
    scan.save()
    audit.record(
        actor,
        audit.Event(
            action=AuditAction.CREATE,
            object_type=audit.object_type(scan),
            object_id=str(scan.uuid),
            object_repr=_("%(venue)s %(dir)s %(who)s")
            % {
                "venue": scan.venue.name,
                "dir": scan.get_direction_display(),
                "who": scan.person_label,
            },
            area_path=scan.venue.area.path,
            changes={"admitted": scan.admitted, "colour": scan.colour, "source": scan.source},
        ),
    )
    return scan


def _admit(
    *,
    venue: Venue,
    now: datetime.datetime,
    direction: str,
    resident: Resident | None,
    temperature: Decimal | None,
    source: str,
    actor=None,
    check: selectors.ThreeCodeCheck | None = None,
    id_number: str = "",
    phone: str = "",
    visitor_name: str = "",
) -> Admission:
    """Decide and record one entry or exit (inside the caller's transaction)."""
    if resident is not None and check is None:
        status = selectors.current_status(resident, now=now)
        colour, status_reasons = status.colour, selectors.public_reasons(status)
    elif check is not None:
        colour, status_reasons = check.colour, check.reasons
    else:
        colour, status_reasons = ScanColour.UNKNOWN, []
    scan = _new_scan(
        venue=venue,
        now=now,
        direction=direction,
        colour=colour,
        admitted=False,
        source=source,
        resident=resident,
        temperature=temperature,
        actor=actor,
        id_number=id_number,
        phone=phone,
        visitor_name=visitor_name,
    )
    if direction == Direction.IN:
        _lock_for_entry(venue)
    current = selectors.occupancy(venue, now=now)
    # Someone already inside (scanned in twice, reloaded the page) takes no second place.
    inside = selectors.is_inside(
        venue,
        resident_id=scan.resident_id,
        id_number_index=scan.id_number_index,
        phone_index=scan.phone_index,
        now=now,
    )
    if direction == Direction.OUT:
        adm = Admission(True, colour, [], current, venue.capacity)
    else:
        if check is not None:
            reasons = _checkpoint_refusals(venue, check, temperature)
        else:
            reasons = _refusals(
                colour=colour, status_reasons=status_reasons, temperature=temperature
            )
        at_limit = not inside and selectors.at_flow_limit(venue, current)
        if at_limit:
            reasons.append(_flow_limit_text(venue, current))
        adm = Admission(not reasons, colour, reasons, current, venue.capacity, at_limit)
    scan.admitted = adm.admitted
    adm.scan = _record(actor, scan)
    if direction == Direction.OUT and inside:
        adm.occupancy = current - 1
    elif direction == Direction.IN and adm.admitted and not inside:
        adm.occupancy = current + 1
    adm.masked_name = mask_name(resident.name if resident else visitor_name)
    adm.check = check
    return adm


def _clean_visit(venue: Venue, direction: str, temperature) -> Decimal | None:
    """The direction, and the temperature (required on entry where the venue measures it)."""
    if direction not in Direction.values:
        raise ValidationError({"direction": _("进出方向不正确")})
    try:
        temp = clean_optional_temperature(temperature)
    except ValidationError as e:
        raise ValidationError({"temperature": e.messages}) from None
    if venue.measures_temperature and direction == Direction.IN and temp is None:
        raise ValidationError({"temperature": _("本场所须测温，请填写体温")})
    return temp


# --- the public scan page ----------------------------------------------------------------


def record_public_scan(
    *,
    venue_code: str,
    name: str,
    id_number: str = "",
    phone: str = "",
    temperature=None,
    direction: str = Direction.IN,
    now: datetime.datetime | None = None,
) -> Admission:
    """A person scanned the venue's code and typed who they are (no login).

    A registered person (ID number, or phone with name) gets their status: green admits,
    other colours are refused with the public reason texts. Someone not in the registry is
    recorded with their encrypted ID number / phone (so tracing can still find them) and
    refused with a pointer to staff: the platform cannot vouch for them.
    """
    now = now or timezone.now()
    venue = Venue.objects.select_related("area").filter(code=venue_code, active=True).first()
    if venue is None:
        raise ValidationError(_("场所码无效或已停用"))
    if not (name or "").strip():
        raise ValidationError({"name": _("请填写姓名")})
    number, phone, name = clean_identity(id_number=id_number, phone=phone, name=name)
    temp = _clean_visit(venue, direction, temperature)
    resident = selectors.find_resident(id_number=number, phone=phone, name=name)
    with transaction.atomic():
        return _admit(
            venue=venue,
            now=now,
            direction=direction,
            resident=resident,
            temperature=temp,
            source=ScanSource.PUBLIC,
            id_number=number,
            phone=phone,
            visitor_name=name,
        )


# --- the checkpoint staff page -----------------------------------------------------------


@dataclass
class CheckpointLookup:
    resident: Resident | None
    id_number: str = ""


def resolve_person(*, token: str = "", id_number: str = "", now=None) -> CheckpointLookup:
    """A scanned personal code (signed token) or a typed ID number → the registered person."""
    from django.core import signing

    now = now or timezone.now()
    if token:
        try:
            code = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
        except signing.SignatureExpired:
            raise ValidationError({"token": _("个人码已过期，请刷新后重新出示")}) from None
        except signing.BadSignature:
            raise ValidationError({"token": _("个人码无效")}) from None
        status = PersonStatus.objects.select_related("resident__area").filter(public_code=code)
        found = status.first()
        if found is None:
            raise ValidationError({"token": _("个人码无效")})
        return CheckpointLookup(found.resident)
    number = clean_identity(id_number=id_number)[0]
    return CheckpointLookup(selectors.find_resident(id_number=number), number)


def _require_checkpoint(actor, venue: Venue) -> None:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("请先登录"))
    require_perm(actor, "venues.checkpoint_venue")
    require_area(actor, venue.area)
    if not venue.active:
        raise ValidationError(_("该场所已停用"))


def _checkpoint_refusals(
    venue: Venue, check: selectors.ThreeCodeCheck, temperature: Decimal | None
) -> list[str]:
    """Why a checkpoint turns this person back. An approved going-out pass stands in for the
    codes of someone under closed-loop management (their colour, itinerary and test), and so
    does going home (``selectors.returning_home``); neither does for a fever."""
    reasons = []
    if check.outing is None and check.home is None:
        if not check.health_ok:
            reasons.extend(check.reasons or [_("健康码非绿码")])
        if not check.itinerary.ok:
            reasons.append(_("行程：%(t)s") % {"t": check.itinerary.text})
        if venue.nat_hours and not check.nat.ok:
            reasons.append(_("核酸：%(t)s") % {"t": check.nat.text})
    if temperature is not None and is_fever(temperature):
        reasons.append(_("体温 %(t)s℃ 异常，请配合工作人员复测") % {"t": temperature})
    return reasons


def checkpoint_check(
    *, actor, venue: Venue, token: str = "", id_number: str = "", now=None
) -> Admission:
    """What staff see before letting someone in: colour, three-code check, pass, occupancy."""
    _require_checkpoint(actor, venue)
    now = now or timezone.now()
    person = resolve_person(token=token, id_number=id_number, now=now)
    current = selectors.occupancy(venue, now=now)
    at_limit = selectors.at_flow_limit(venue, current) and not (
        person.resident is not None
        and selectors.is_inside(venue, resident_id=person.resident.pk, now=now)
    )
    if person.resident is None:
        reasons = [str(UNREGISTERED_REASON)]
        if at_limit:
            reasons.append(_flow_limit_text(venue, current))
        return Admission(False, ScanColour.UNKNOWN, reasons, current, venue.capacity, at_limit)
    check = selectors.three_code_check(person.resident, now=now, venue=venue)
    reasons = _checkpoint_refusals(venue, check, None)
    if at_limit:
        reasons.append(_flow_limit_text(venue, current))
    return Admission(
        not reasons,
        check.colour,
        reasons,
        current,
        venue.capacity,
        at_limit,
        masked_name=mask_name(person.resident.name),
        check=check,
    )


def record_checkpoint_scan(
    *,
    actor,
    venue: Venue,
    direction: str,
    token: str = "",
    id_number: str = "",
    temperature=None,
    now=None,
) -> Admission:
    """Staff record an entry (decided again here, never trusted from the page) or an exit."""
    _require_checkpoint(actor, venue)
    require_perm(actor, "venues.add_scan")
    now = now or timezone.now()
    temp = _clean_visit(venue, direction, temperature)
    person = resolve_person(token=token, id_number=id_number, now=now)
    check = None
    if person.resident is not None:
        check = selectors.three_code_check(person.resident, now=now, venue=venue)
    with transaction.atomic():
        return _admit(
            venue=venue,
            now=now,
            direction=direction,
            resident=person.resident,
            temperature=temp,
            source=ScanSource.STAFF,
            actor=actor,
            check=check,
            id_number=person.id_number,
        )


# --- batch ingest ------------------------------------------------------------------------


@dataclass
class IngestResult:
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    results: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "results": self.results,
            "errors": self.errors,
        }


INSERT_COLUMNS = (
    "scanned_at",
    "uuid",
    "venue_id",
    "resident_id",
    "direction",
    "temperature",
    "colour",
    "admitted",
    "source",
    "visitor_name",
    "id_number",
    "phone",
    "id_number_index",
    "phone_index",
    "recorded_at",
    "recorded_by_id",
)
INSERT_CHUNK = 500


def _resolve_people(
    records: list[ScanRecord], id_indexes: dict[str, str | None]
) -> tuple[dict, dict, dict]:
    """(token → public code or None, code → (resident id, colour), ID index → (resident id,
    colour)): one query per kind for the whole batch, the colour joined in."""
    from django.core import signing

    codes = {}
    for r in records:
        if r.token and r.token not in codes:
            try:
                codes[r.token] = signing.loads(r.token, salt=SALT)
            except signing.BadSignature:
                codes[r.token] = None
    # No ordering (the models' default orderings join areas) and no query for an empty list:
    # a single-scan request pays for what it uses only.
    wanted = [c for c in codes.values() if c]
    by_code = (
        {
            code: (resident_id, colour)
            for code, resident_id, colour in PersonStatus.objects.filter(public_code__in=wanted)
            .order_by()
            .values_list("public_code", "resident_id", "colour")
        }
        if wanted
        else {}
    )
    indexes = sorted({i for i in id_indexes.values() if i})
    by_index = {
        index: (pk, colour or ScanColour.UNKNOWN)
        for index, pk, colour in _lookup("residents", indexes)
    }
    return codes, by_code, by_index


# The batch's two look-ups by key, as plain SQL whose text is built once per process and
# number of keys: the ORM compiled them afresh on every request (a third of a single scan's
# own work). ``test_ingest`` holds them equal to the querysets they replace.
@lru_cache(maxsize=64)
def _lookup_sql(vendor: str, what: str, n: int) -> str:
    qn = connection.ops.quote_name
    marks = ", ".join(["%s"] * n)
    if what == "venues":  # code, id and the area's path, for the scope check
        area = qn(Venue._meta.get_field("area").related_model._meta.db_table)
        venue = qn(Venue._meta.db_table)
        return (
            f"SELECT v.{qn('code')}, v.{qn('id')}, a.{qn('path')} FROM {venue} v "  # noqa: S608
            f"JOIN {area} a ON a.{qn('id')} = v.{qn('area_id')} WHERE v.{qn('code')} IN ({marks})"
        )
    status = PersonStatus._meta
    return (  # a registered person by the blind index of their ID number, and their colour
        f"SELECT r.{qn('id_number_index')}, r.{qn('id')}, s.{qn('colour')} "  # noqa: S608
        f"FROM {qn(Resident._meta.db_table)} r LEFT JOIN {qn(status.db_table)} s "
        f"ON s.{qn(status.get_field('resident').column)} = r.{qn('id')} "
        f"WHERE r.{qn('id_number_index')} IN ({marks})"
    )


# Up to this many keys a look-up is prepared on PostgreSQL (planned once per connection: the
# server re-planned the join on every single scan) and runs on the driver's cursor on SQLite
# (``pipelined.fetch``); one statement per count, so larger batches, rarer and of many
# shapes, keep Django's cursor. (``= ANY`` of an array, one shape for every count, is not
# given a generic plan: it was planned afresh each time too.)
PREPARED_KEYS = 8


def _lookup(what: str, keys: list[str]) -> list[tuple]:
    if not keys:
        return []
    sql = _lookup_sql(connection.vendor, what, len(keys))
    if len(keys) <= PREPARED_KEYS:
        return pipelined.fetch(sql, keys)
    with connection.cursor() as cur:
        cur.execute(sql, keys)
        return cur.fetchall()


def _venue_ids(actor, codes: set[str]) -> dict[str, int]:
    """Venue code → id of the venues among ``codes`` that ``actor`` sees (``visible_to``'s
    rule, checked on the area's path)."""
    return {
        code: pk
        for code, pk, path in _lookup("venues", sorted(codes))
        if path_visible_to(path, actor)
    }


def scan_column_adapters(conn) -> tuple:
    """(scanned_at → column value, uuid → column value) for ``conn``: what the fields'
    ``get_db_prep_save`` returns (a test holds them equal), without its per-value call chain
    — that chain was a third of a batch's Python."""
    # None: the driver takes the value itself.
    uuid_value = None if conn.features.has_native_uuid_field else operator.attrgetter("hex")
    if conn.vendor == "sqlite":  # text, naive, in the connection's zone (UTC)
        tz = conn.timezone

        def moment(value: datetime.datetime) -> str:
            return str(value.astimezone(tz).replace(tzinfo=None))

    else:
        moment = None
    return moment, uuid_value


# What the insert returns of each row it stored: the key (as ``uuid`` column values) and
# what ``ScanDayCount`` counts; ``scanned_at`` is the caller's (one per uuid in a batch).
RETURNING = '"uuid", "venue_id", "admitted"'


def _insert_ignore(rows: list[tuple]) -> set[tuple]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING ``(uuid, venue_id, admitted)`` of the rows
    actually inserted: on PostgreSQL ``COPY`` into a temporary table, then the insert and the
    day-count upsert as one statement (``day_counts.counting_insert``); on SQLite one
    statement per ``INSERT_CHUNK`` rows, counted by the caller. A batch under
    ``COPY_FROM_ROWS`` goes through ``_short_write`` instead.

    A resent record hits the primary key ``(scanned_at, uuid)`` and is skipped by the
    database itself: no read-then-write race between two resends.
    """
    if connection.vendor == "postgresql":
        return _copy_insert_ignore(rows)
    inserted: set = set()
    with connection.cursor() as cur:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            cur.execute(_returning_insert_sql(len(chunk)), [v for row in chunk for v in row])
            inserted.update(cur.fetchall())
    return inserted


@lru_cache(maxsize=64)
def _returning_insert_sql(n: int) -> str:
    return f"{_values_insert_sql(n)} RETURNING {RETURNING}"


@lru_cache(maxsize=64)
def _values_insert_sql(n: int) -> str:
    """INSERT of ``n`` rows of ``INSERT_COLUMNS`` that skips the ones already stored."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in INSERT_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"
    return (
        f"INSERT INTO {qn(Scan._meta.db_table)} ({cols}) VALUES "  # noqa: S608
        + ", ".join([one] * n)
        + " ON CONFLICT DO NOTHING"
    )


# From this many rows PostgreSQL gets COPY: a multi-row INSERT's parameters are spliced into
# the SQL text by psycopg's client-side binding, which cost ~100 µs a scan in Python. Below
# it, on both databases, a batch is one short transaction (``_short_write``).
COPY_FROM_ROWS = 50
STAGING_TABLE = "venues_scan_ingest"


def _copy_insert_ignore(rows: list[tuple]) -> set[tuple]:
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in INSERT_COLUMNS)
    table, staging = qn(Scan._meta.db_table), qn(STAGING_TABLE)
    with connection.cursor() as cur:
        # Session-local, created once per database connection; emptied here rather than
        # relied on ON COMMIT, so a caller's outer transaction never sees an earlier batch.
        cur.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE {table})")
        cur.execute(f"TRUNCATE {staging}")
        with cur.copy(f"COPY {staging} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        insert = (
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging} "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        cur.execute(counting_insert(insert, RETURNING), counting_insert_params())
        return set(cur.fetchall())


def _short_write(rows: list[tuple], settle, actor) -> None:
    """A small batch (a checkpoint's single scan): BEGIN, the insert, its day counts, the
    audit entry and COMMIT as one ``core.pipelined`` transaction — on PostgreSQL two round
    trips of prepared statements (BEGIN with the insert that also counts, then the audit
    entry with COMMIT), on SQLite the driver's own cursor: a single scan paid more for
    Django's cursor wrapper and transaction machinery than for its statements.
    ``settle(inserted)`` gives the audit event and the day counts still to add."""
    with pipelined.transaction() as p:
        values = [v for row in rows for v in row]
        if not rows:
            inserted = []
        elif p.vendor == "postgresql":
            insert = counting_insert(_values_insert_sql(len(rows)), RETURNING)
            inserted = p.fetch(insert, values + counting_insert_params())
        else:
            inserted = p.fetch(_returning_insert_sql(len(rows)), values)
        event, counts = settle(set(inserted))
        for statement, params in upserts(counts):
            p.send(statement, params)
        audit.append(p, actor, event, timezone.now())


# --- one scan on PostgreSQL: one statement ------------------------------------------------
#
# A checkpoint's single scan is the hot request. On PostgreSQL its venue and person look-ups,
# the insert, its day counts and the audit entry (with the outcome it records) are one
# prepared statement — in autocommit its own transaction, so no BEGIN or COMMIT either: the
# look-ups are joins of the insert, the scope check is ``path_visible_to``'s prefix rule on
# the area path, and the audit entry counts what the insert stored. ``test_ingest`` holds
# its rows, counts, answers and audit entries equal to the general path's.


def _scope_prefix(actor) -> str | None:
    """The area path every visible venue's area path starts with ('' for a global user), or
    None when the actor sees no area (the general path refuses it)."""
    if is_global(actor):
        return ""
    area = user_area(actor)
    return area.path if area is not None else None


@lru_cache(maxsize=4)
def _one_scan_sql(vendor: str) -> str:
    qn = connection.ops.quote_name
    area = Venue._meta.get_field("area").related_model._meta.db_table
    status = PersonStatus._meta
    fields = {f.attname: f for f in Scan._meta.concrete_fields}
    from_src = {"venue_id", "resident_id", "colour", "admitted"}

    def given(name: str) -> str:
        db_type = fields[name].db_type(connection)
        # Text goes in as text: an explicit cast to varchar(n) would cut a long value short.
        text = db_type.startswith("varchar") or db_type == "text"
        return "%s::text" if text else f"%s::{db_type}"

    visitor = ("visitor_name", "id_number", "phone", "id_number_index", "phone_index")
    values = []
    for name in INSERT_COLUMNS:
        if name in from_src:
            values.append(
                f"COALESCE(%s::boolean, %s::boolean OR colour = '{ScanColour.GREEN}')"
                if name == "admitted"
                else name
            )
        elif name in visitor:  # a registered person's row keeps none of what was typed
            empty = "NULL" if fields[name].null else "''"
            values.append(f"CASE WHEN resident_id IS NULL THEN {given(name)} ELSE {empty} END")
        else:
            values.append(given(name))
    cols = ", ".join(qn(c) for c in INSERT_COLUMNS)
    insert = (
        f"INSERT INTO {qn(Scan._meta.db_table)} ({cols}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM src ON CONFLICT DO NOTHING"
    )
    count = "(SELECT count(*) FROM {})"
    found, created = count.format("src"), count.format("ins")
    changes = (  # audit._dumps of the batch's changes, keys in order
        f"""'{{"created":' || {created} || ',"duplicates":' || ({found} - {created})"""
        f"""|| ',"rejected":' || (1 - {found}) || ',"source":' || %s::text || '}}'"""
    )
    append = audit.append_call("SELECT changes FROM n")
    return (
        "WITH src AS ("  # noqa: S608
        f"SELECT v.{qn('id')} AS venue_id, r.{qn('id')} AS resident_id, "
        f"COALESCE(NULLIF(s.{qn('colour')}, ''), '{ScanColour.UNKNOWN}') AS colour "
        f"FROM {qn(Venue._meta.db_table)} v JOIN {qn(area)} a ON a.{qn('id')} = v.{qn('area_id')} "
        f"LEFT JOIN {qn(Resident._meta.db_table)} r ON r.{qn('id_number_index')} = %s::text "
        f"LEFT JOIN {qn(status.db_table)} s "
        f"ON s.{qn(status.get_field('resident').column)} = r.{qn('id')} "
        f"WHERE v.{qn('code')} = %s::text AND starts_with(a.{qn('path')}, %s::text) "
        # No audit chain tip (a fresh database): no scan is written, and the audit function
        # answers NULL (``_one_scan`` creates the tips and sends the statement again).
        f"AND EXISTS (SELECT FROM {qn(AuditHead._meta.db_table)} WHERE id = 1)), "
        f"{counting_ctes(insert, RETURNING, counted_rows=True, spread=True)}, "
        f"n AS (SELECT {changes} AS changes, {found} AS found, {created} AS created) "
        # The chain tip is locked last, once the scan and its day counts are in.
        f"SELECT found, created, {append} FROM n WHERE {COUNTED_FIRST}"
    )


def _one_scan(actor, rec: ScanRecord, raw: dict, source: str, scope: str) -> IngestResult:
    """``ingest_scans`` of one well-formed record without a personal code, on PostgreSQL."""
    now = timezone.now()
    blind_index, encrypt = crypto.blind_index, crypto.encrypt
    id_index = blind_index(rec.id_number, purpose="id") if rec.id_number else None
    values = {
        "scanned_at": rec.scanned_at,
        "uuid": rec.uuid,
        "direction": rec.direction,
        "temperature": rec.temperature,
        "source": source,
        # What a visitor's row keeps (the statement drops it for a registered person).
        "visitor_name": rec.name,
        "id_number": encrypt(rec.id_number) if rec.id_number else "",
        "phone": encrypt(rec.phone) if rec.phone else "",
        "id_number_index": id_index,
        "phone_index": blind_index(rec.phone, purpose="phone") if rec.phone else None,
        "recorded_at": now,
        "recorded_by_id": actor.pk if actor is not None and actor.is_authenticated else None,
    }
    params = [id_index, rec.venue_code, scope]
    for name in INSERT_COLUMNS:
        if name == "admitted":
            params += [rec.admitted, rec.direction == Direction.OUT]
        elif name in values:
            params.append(values[name])
    params += counting_insert_params()
    params.append(audit.json_scalar(str(source)))
    params += audit.append_params(actor, _batch_event(actor, 1), now, changes_given=False)
    sql = _one_scan_sql(connection.vendor)
    # One statement is its own transaction in autocommit (or a part of the caller's).
    answer = pipelined.fetch(sql, params)
    if answer[0][2] is None:  # a fresh database: no audit chain tip yet, nothing written
        with connection.cursor() as cursor:
            cursor.execute(audit.ensure_head_sql())
        answer = pipelined.fetch(sql, params)
    found, created, _entry = answer[0]
    result = IngestResult(created=created, duplicates=found - created, rejected=1 - found)
    if found:
        status = "created" if created else "duplicate"
    else:
        status = "rejected"
        result.errors.append({"index": 0, "field": "venue", "message": _venue_refused()})
    result.results = [{"index": 0, "id": str(raw.get("id") or ""), "status": status}]
    return result


def _venue_refused() -> str:
    return _("场所码不存在或不在您的管辖范围内")


def _batch_event(actor, n: int, changes: dict | None = None) -> audit.Event:
    area = user_area(actor)
    return audit.Event(
        action=AuditAction.IMPORT,
        object_type=audit.object_type(Scan),
        object_repr=_("批量上传扫码记录 %(n)s 条") % {"n": n},
        area_path=area.path if area is not None else "",
        changes=changes or {},
    )


def ingest_scans(
    *, actor, records: list, source: str = ScanSource.DEVICE, now=None
) -> IngestResult:
    """Accept a batch from a checkpoint device or partner system.

    Good records are stored, bad ones come back as ``{index, field, message}``; a record
    already stored (same ``id`` and ``scanned_at``, e.g. a resend after a timeout) is
    reported as a duplicate and not stored again. One audit entry per batch.

    Per record only what differs is computed: checks, blind indexes and look-ups run once
    per distinct ID number, phone or token of the batch; only visitors (people not in the
    registry) have their ID number / phone encrypted; rows go in as ready column values.
    """
    require_perm(actor, "venues.ingest_scan")
    if source not in (ScanSource.DEVICE, ScanSource.PARTNER):
        raise ValidationError({"source": _("来源只能是 device（卡点设备）或 partner（合作系统）")})
    if not isinstance(records, list) or not records:
        raise ValidationError({"records": _("请提供至少一条扫码记录")})
    if len(records) > MAX_BATCH:
        raise ValidationError(
            {"records": _("每批最多 %(n)s 条记录，请分批上传") % {"n": MAX_BATCH}}
        )
    now = now or timezone.now()
    oldest = now - datetime.timedelta(days=retention.SCANS.period_days)
    result = IngestResult()
    parsed: list[ScanRecord] = []
    status_of: list[str] = ["rejected"] * len(records)

    def reject(index: int, field_name: str, message: str) -> None:
        result.errors.append({"index": index, "field": field_name, "message": str(message)})

    seen: dict[uuid.UUID, datetime.datetime] = {}
    cache: dict = {}
    for i, raw in enumerate(records):
        rec, errors = parse_record(i, raw, now=now, oldest=oldest, cache=cache)
        for field_name, message in errors:
            reject(i, field_name, message)
        if rec is None:
            continue
        if rec.uuid in seen and seen[rec.uuid] != rec.scanned_at:
            reject(i, "id", _("同一批次中记录编号重复但扫码时间不同"))
            continue
        seen[rec.uuid] = rec.scanned_at
        parsed.append(rec)

    if len(records) == 1 and len(parsed) == 1 and connection.vendor == "postgresql":
        scope = _scope_prefix(actor)
        if scope is not None and not parsed[0].token:
            return _one_scan(actor, parsed[0], records[0], source, scope)
    venues = _venue_ids(actor, {r.venue_code for r in parsed})
    # Record values are already normalised by their checks: hashed as they are (the same
    # value ``index_value`` gives, without normalising them a second time).
    blind_index = crypto.blind_index
    id_indexes = {
        n: blind_index(n, purpose="id") for n in {r.id_number for r in parsed if r.id_number}
    }
    codes, by_code, by_index = _resolve_people(parsed, id_indexes)
    phone_indexes: dict[str, str | None] = {}
    conn = connections[Scan.objects.db]  # the wrapper itself, not the per-access proxy
    moment, uuid_value = scan_column_adapters(conn)
    recorded_at = moment(timezone.now()) if moment else timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    unknown, green, out = ScanColour.UNKNOWN, ScanColour.GREEN, Direction.OUT
    rows, keyed = [], []
    for rec in parsed:
        venue_id = venues.get(rec.venue_code)
        if venue_id is None:
            reject(rec.index, "venue", _venue_refused())
            continue
        if rec.token:
            person = by_code.get(codes[rec.token]) if codes[rec.token] else None
            if person is None:
                reject(rec.index, "token", _("个人码无效"))
                continue
        elif rec.id_number:
            person = by_index.get(id_indexes[rec.id_number])
        else:
            person = None  # a phone alone does not identify a registered person
        admitted = rec.admitted
        if person is None:  # a visitor: who they said they are, encrypted, blind-indexed
            resident_id, colour = None, unknown
            if rec.phone and rec.phone not in phone_indexes:
                phone_indexes[rec.phone] = blind_index(rec.phone, purpose="phone")
            who = (
                rec.name,
                crypto.encrypt(rec.id_number) if rec.id_number else "",
                crypto.encrypt(rec.phone) if rec.phone else "",
                id_indexes.get(rec.id_number),
                phone_indexes.get(rec.phone),
            )
        else:
            resident_id, colour = person
            who = ("", "", "", None, None)
        if admitted is None:
            admitted = rec.direction == out or colour == green
        rows.append(
            (
                moment(rec.scanned_at) if moment else rec.scanned_at,
                uuid_value(rec.uuid) if uuid_value else rec.uuid,
                venue_id,
                resident_id,
                rec.direction,
                rec.temperature,
                colour,
                admitted,
                source,
                *who,
                recorded_at,
                actor_id,
            )
        )
        keyed.append(rec)

    def settle(inserted: set[tuple]) -> tuple[audit.Event, dict]:
        """Each record's outcome from what the insert returned; the batch's audit event and
        the day counts the insert did not add itself (SQLite)."""
        stored = {key for key, _venue, _admitted in inserted}
        moment_of: dict = {}
        for rec, row in zip(keyed, rows, strict=True):
            key = row[1]
            if key in stored and key not in moment_of:
                moment_of[key] = rec.scanned_at
                status_of[rec.index] = "created"
                result.created += 1
            else:
                status_of[rec.index] = "duplicate"
                result.duplicates += 1
        # Counted from what the insert returned: a resend or an in-batch repeat adds nothing.
        counts = (
            {}
            if conn.vendor == "postgresql"  # the insert added them (counting_insert)
            else tally((v, moment_of[key], adm) for key, v, adm in inserted)
        )
        result.rejected = len(records) - result.created - result.duplicates
        changes = {
            "source": source,
            "created": result.created,
            "duplicates": result.duplicates,
            "rejected": result.rejected,
        }
        return _batch_event(actor, len(records), changes), counts

    if len(rows) < COPY_FROM_ROWS:
        _short_write(rows, settle, actor)
    else:
        with transaction.atomic():
            event, counts = settle(_insert_ignore(rows))
            add_day_counts(counts)
            audit.record(actor, event)
    result.results = [
        {
            "index": i,
            "id": str((raw.get("id") if isinstance(raw, dict) else None) or ""),
            "status": status_of[i],
        }
        for i, raw in enumerate(records)
    ]
    return result


# --- going-out approvals (外出审批报备) ---------------------------------------------------


def request_outing(
    *,
    actor,
    resident: Resident,
    reason: str,
    destination: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    now=None,
) -> OutingApproval:
    """Record a going-out request of a person under closed-loop management (staff enter it)."""
    require_perm(actor, "venues.add_outingapproval")
    require_area(actor, resident.area)
    now = now or timezone.now()
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写外出事由")})
    if not (destination or "").strip():
        raise ValidationError({"destination": _("请填写目的地")})
    if starts_at is None:
        raise ValidationError({"starts_at": _("请填写外出开始时间")})
    if ends_at is None or ends_at <= starts_at:
        raise ValidationError({"ends_at": _("返回时间应晚于外出开始时间")})
    if ends_at - starts_at > datetime.timedelta(hours=24):
        raise ValidationError({"ends_at": _("单次外出不超过 24 小时，请分次申请")})
    if ends_at < now:
        raise ValidationError({"ends_at": _("返回时间已过，无需申请")})
    assignment = selectors.open_assignment(resident, on=local_date(starts_at))
    if assignment is None:
        raise ValidationError(
            {"resident": _("该居民在外出时间不处于隔离/健康监测闭环管理中，无需外出审批")}
        )
    if assignment.end_date < local_date(ends_at):
        raise ValidationError(
            {"ends_at": _("返回时间晚于闭环管理结束日期 %(d)s") % {"d": assignment.end_date}}
        )
    with transaction.atomic():
        return audited_create(
            actor,
            OutingApproval,
            resident=resident,
            assignment=assignment,
            reason=reason.strip(),
            destination=destination.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            requested_by=actor,
            requested_at=now,
        )


def _decide_outing(
    *,
    actor,
    outing: OutingApproval,
    state: str,
    note: str = "",
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> OutingApproval:
    require_perm(actor, "venues.approve_outingapproval")
    require_area(actor, outing.resident.area)
    if outing.requested_by_id == actor.pk:
        raise PermissionDenied(_("不能审批自己登记的外出申请"))
    if state == ApprovalState.REJECTED and not (note or "").strip():
        raise ValidationError({"note": _("驳回时请填写审批意见")})
    with transaction.atomic():
        before = lock_versioned(outing, expected_version)
        if before.state != ApprovalState.PENDING:
            raise ValidationError(_("该申请已处理（%(s)s）") % {"s": before.get_state_display()})
        now = now or timezone.now()
        if state == ApprovalState.APPROVED and before.ends_at <= now:
            raise ValidationError(_("返回时间已过，不能再批准；如仍需外出，请重新登记申请"))
        if state == ApprovalState.APPROVED and before.assignment.state != AssignmentState.ACTIVE:
            raise ValidationError(_("该居民的隔离/监测已解除，无需外出审批"))
        outing.state = state
        outing.decided_by = actor
        outing.decided_at = now
        outing.decision_note = (note or "").strip()
        outing.version = before.version + 1
        outing.save()
        audit.record_update(actor, before, outing)
    return outing


def approve_outing(*, actor, outing: OutingApproval, **kwargs) -> OutingApproval:
    """The responsible grid / community approves: the checkpoint then shows the pass.
    ``note``, ``expected_version``, ``now`` as for ``reject_outing``."""
    return _decide_outing(actor=actor, outing=outing, state=ApprovalState.APPROVED, **kwargs)


def reject_outing(*, actor, outing: OutingApproval, **kwargs) -> OutingApproval:
    """Refused, with a note (required)."""
    return _decide_outing(actor=actor, outing=outing, state=ApprovalState.REJECTED, **kwargs)


def cancel_outing(
    *,
    actor,
    outing: OutingApproval,
    note: str = "",
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> OutingApproval:
    """撤销 a pending or approved request whose return time has not passed (the person will
    not go, or the times were wrong): it leaves the approvers' queue, and an approved pass no
    longer admits the person at a checkpoint. Staff who may register requests may cancel."""
    require_perm(actor, "venues.add_outingapproval")
    require_area(actor, outing.resident.area)
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("撤销时请填写原因")})
    with transaction.atomic():
        before = lock_versioned(outing, expected_version)
        if before.state not in (ApprovalState.PENDING, ApprovalState.APPROVED):
            raise ValidationError(_("该申请已%(s)s，不能撤销") % {"s": before.get_state_display()})
        if before.ends_at <= now:
            raise ValidationError(_("返回时间已过，不能撤销"))
        outing.state = ApprovalState.CANCELLED
        outing.cancelled_by, outing.cancelled_at, outing.cancel_note = actor, now, note
        outing.version = before.version + 1
        outing.save()
        audit.record_update(actor, before, outing, reason=note)
    return outing
