"""Read paths of venues, scans and going-out approvals: occupancy, the three-code check,
who a typed identity is, and the lists with their joins spelled out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import CharField, F, Max, Q, QuerySet
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.personal import index_value, normalize_text
from fangkong.health.choices import AssignmentKind, AssignmentState, NatResult
from fangkong.health.models import Assignment, NucleicAcidTest
from fangkong.registry.models import Resident
from fangkong.status import services as status_services
from fangkong.status.clock import local_date, start_of_day
from fangkong.status.engine import render
from fangkong.status.facts import Context
from fangkong.status.models import PersonStatus

from .choices import ApprovalState, Direction, VenueKind
from .models import OutingApproval, Scan, Venue

NAT_HOURS = 48


# --- lists -------------------------------------------------------------------------------


def venue_list(qs: QuerySet[Venue]) -> QuerySet[Venue]:
    return qs.select_related("area")


def scan_list(qs: QuerySet[Scan]) -> QuerySet[Scan]:
    # Newest first on the (venue, time) / partition key; never the whole table unordered.
    # The page's venues by one look-up, not a join: given an inner join to venues, SQLite's
    # planner drives from them and sorts every scan in scope (see ``ScopedQuerySet.in_area``).
    return (
        qs.select_related("resident", "recorded_by")
        .prefetch_related("venue")
        .order_by("-scanned_at", "-uuid")
    )


def outing_list(qs: QuerySet[OutingApproval]) -> QuerySet[OutingApproval]:
    return qs.select_related("resident", "resident__area", "requested_by", "decided_by")


def awaiting_decision_by(user) -> Q:
    """Pending requests someone other than ``user`` registered (nobody approves their own)."""
    return Q(state=ApprovalState.PENDING) & ~Q(requested_by=user)


def outings_awaiting(user) -> QuerySet[OutingApproval]:
    """外出申请待审批: the requests in ``user``'s area that ``user`` may decide."""
    if not user.has_perm("venues.approve_outingapproval"):
        return OutingApproval.objects.none()
    return outing_list(OutingApproval.objects.visible_to(user)).filter(awaiting_decision_by(user))


# --- occupancy ---------------------------------------------------------------------------


def _today_bounds(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    day = local_date(now)
    return start_of_day(day), start_of_day(day + datetime.timedelta(days=1))


# Who a scan is: the registered person, else the visitor's ID number or phone (blind
# indexes), else nobody known (the scan alone). Resident ids are short digits and the
# indexes 32 hex characters, so the kinds cannot collide.
_WHO = Coalesce(
    Cast("resident_id", CharField()),
    "id_number_index",
    "phone_index",
    Cast("uuid", CharField()),
)


def _inside_today(scans: QuerySet, now: datetime.datetime) -> QuerySet:
    """One row per person inside: their last admitted entry today is later than their last
    exit. A second scan-in, a reloaded result page or an exit scanned twice moves nobody."""
    start, end = _today_bounds(now)
    return (
        scans.filter(scanned_at__gte=start, scanned_at__lt=end)
        .annotate(who=_WHO)
        .values("venue_id", "who")
        .annotate(
            last_in=Max("scanned_at", filter=Q(direction=Direction.IN, admitted=True)),
            last_out=Max("scanned_at", filter=Q(direction=Direction.OUT)),
        )
        .filter(Q(last_in__isnull=False), Q(last_out__isnull=True) | Q(last_in__gt=F("last_out")))
        .order_by()
    )


def occupancy_by_venue(venue_ids: list[int], *, now=None) -> dict[int, int]:
    """People inside each venue now (see ``_inside_today``): one query over today's scans of
    these venues (``scan_venue_time``), one row back per venue."""
    inside = _inside_today(Scan.objects.filter(venue_id__in=venue_ids), now or timezone.now())
    sql, params = inside.values("venue_id", "who").query.sql_with_params()
    counts = dict.fromkeys(venue_ids, 0)
    with connections[inside.db].cursor() as cursor:
        # The ORM cannot count the groups of a grouped query per venue: wrap its SQL.
        cursor.execute(
            f"SELECT venue_id, COUNT(*) FROM ({sql}) inside GROUP BY venue_id",  # noqa: S608 — the ORM's SQL
            params,
        )
        counts.update(cursor.fetchall())
    return counts


def is_inside(
    venue: Venue, *, resident_id=None, id_number_index=None, phone_index=None, now=None
) -> bool:
    """Whether this person (registered, else a visitor by blind index) is inside ``venue``."""
    if resident_id is not None:
        person = Q(resident_id=resident_id)
    elif id_number_index:
        person = Q(resident__isnull=True, id_number_index=id_number_index)
    elif phone_index:
        person = Q(resident__isnull=True, id_number_index__isnull=True, phone_index=phone_index)
    else:
        return False
    return _inside_today(Scan.objects.filter(person, venue=venue), now or timezone.now()).exists()


def occupancy(venue: Venue, *, now=None) -> int:
    return occupancy_by_venue([venue.pk], now=now)[venue.pk]


def at_flow_limit(venue: Venue, current: int) -> bool:
    return venue.capacity is not None and current >= venue.capacity


# --- who is this -------------------------------------------------------------------------


def find_resident(*, id_number: str = "", phone: str = "", name: str = "") -> Resident | None:
    """The registered person a typed identity names, or ``None``.

    By ID number (unique); by phone only together with the name (a family shares a phone).
    When a name is given it must match, so an ID number alone does not reveal a status.
    """
    wanted = normalize_text(name)
    qs = Resident.objects.select_related("area")
    if id_number:
        resident = qs.filter(
            id_number_index=index_value(id_number, kind="id_number", purpose="id")
        ).first()
        if resident is not None and (not wanted or normalize_text(resident.name) == wanted):
            return resident
        return None
    if phone and wanted:
        matches = [
            r
            for r in qs.filter(phone_index=index_value(phone, kind="phone", purpose="phone"))[:20]
            if normalize_text(r.name) == wanted
        ]
        return matches[0] if len(matches) == 1 else None
    return None


def current_status(resident: Resident, *, now=None) -> PersonStatus:
    """The stored status, recomputed first when missing or past its ``valid_until``."""
    return status_services.current_status(resident, now=now, cause=_("场所扫码"))


def public_reasons(status: PersonStatus) -> list[str]:
    return [render(r, public=True) for r in status.reasons]


# --- the three-code check (三码核验) -------------------------------------------------------


@dataclass
class CodeCheck:
    ok: bool
    text: str


@dataclass
class ThreeCodeCheck:
    """健康码, 行程 and 核酸 of one person at one moment."""

    colour: str
    colour_label: str
    reasons: list[str]
    itinerary: CodeCheck
    nat: CodeCheck
    outing: OutingApproval | None = None
    notes: list[str] = field(default_factory=list)
    # Home-based closed-loop management of someone coming back into their own compound.
    home: Assignment | None = None

    @property
    def health_ok(self) -> bool:
        return self.colour == "green"


def itinerary_check(resident: Resident, *, now: datetime.datetime) -> CodeCheck:
    """Stayed in (arrived from) a designated risk area within the policy's look-back days."""
    ctx = Context.load(now)
    policy = ctx.policy_for(resident.area.path)
    arrival = resident.arrival_date
    if resident.origin and arrival:
        since = local_date(now) - datetime.timedelta(days=policy.risk_lookback_days)
        if arrival >= since:
            stays = [
                s
                for s in ctx.risk_stays(resident.origin, arrival)
                if s.rank >= policy.risk_min_rank
            ]
            if stays:
                stay = max(stays, key=lambda s: s.rank)
                return CodeCheck(
                    False,
                    _("%(days)s 天内自%(level)s地区（%(place)s）抵达（%(arrival)s）")
                    % {
                        "days": policy.risk_lookback_days,
                        "level": stay.level_name,
                        "place": stay.place,
                        "arrival": arrival.isoformat(),
                    },
                )
    return CodeCheck(True, _("%(days)s 天内未到过风险地区") % {"days": policy.risk_lookback_days})


def nat_check(resident: Resident, *, now: datetime.datetime, hours: int = NAT_HOURS) -> CodeCheck:
    last = (
        NucleicAcidTest.objects.filter(
            resident=resident,
            result=NatResult.NEGATIVE,
            sampled_at__gt=now - datetime.timedelta(hours=hours),
            sampled_at__lte=now,
        )
        .order_by("-sampled_at")
        .values_list("sampled_at", flat=True)
        .first()
    )
    if last is None:
        return CodeCheck(False, _("%(h)s 小时内无核酸阴性结果") % {"h": hours})
    return CodeCheck(
        True,
        _("%(h)s 小时内核酸阴性（%(t)s 采样）")
        % {"h": hours, "t": timezone.localtime(last).strftime("%m-%d %H:%M")},
    )


def valid_outing(resident: Resident, *, now: datetime.datetime) -> OutingApproval | None:
    """An approved going-out pass covering ``now`` whose closed-loop assignment is open."""
    return (
        OutingApproval.objects.filter(
            resident=resident,
            state=ApprovalState.APPROVED,
            starts_at__lte=now,
            ends_at__gte=now,
            assignment__state=AssignmentState.ACTIVE,
        )
        .order_by("-ends_at")
        .first()
    )


def three_code_check(
    resident: Resident, *, now: datetime.datetime, venue: Venue | None = None
) -> ThreeCodeCheck:
    """The three codes at ``venue`` (its test window; its kind and area for 返回居所)."""
    status = current_status(resident, now=now)
    outing = valid_outing(resident, now=now)
    nat_hours = venue.nat_hours if venue is not None else None
    return ThreeCodeCheck(
        colour=status.colour,
        colour_label=str(status.get_colour_display()),
        reasons=public_reasons(status),
        itinerary=itinerary_check(resident, now=now),
        nat=nat_check(resident, now=now, hours=nat_hours or NAT_HOURS),
        outing=outing,
        home=returning_home(resident, venue, now=now) if outing is None and venue else None,
    )


def returning_home(resident: Resident, venue: Venue, *, now) -> Assignment | None:
    """Someone under home-based closed-loop management (居家隔离, 健康监测) entering the compound
    they live in: home is where that management wants them, pass or no pass (back after its
    return time, or out without one), so the gate lets them in and staff are told why."""
    if venue.kind != VenueKind.COMPOUND or not resident.area.path.startswith(venue.area.path):
        return None
    assignment = open_assignment(resident, on=local_date(now))
    if assignment is None or assignment.kind == AssignmentKind.CENTRAL_QUARANTINE:
        return None
    return assignment


def open_assignment(resident: Resident, *, on: datetime.date) -> Assignment | None:
    """The closed-loop management (an active health assignment) the resident is under."""
    return (
        Assignment.objects.filter(
            resident=resident,
            state=AssignmentState.ACTIVE,
            start_date__lte=on,
            end_date__gte=on,
        )
        .order_by("-start_date")
        .first()
    )
