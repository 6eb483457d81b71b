"""Read paths for cases and contacts, starting from the user's scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from fangkong.core.personal import mask_name
from fangkong.formats import joined
from fangkong.status.clock import end_of_day

from .choices import CaseStatus, ContactState
from .engine import Params
from .models import Case, Contact, Exposure
from .tracer import visitors_of


def case_list(user) -> QuerySet[Case]:
    return Case.objects.visible_to(user).select_related("resident", "resident__area")


def active_cases(user) -> QuerySet[Case]:
    return case_list(user).filter(status=CaseStatus.ACTIVE)


def cases_counted() -> Q:
    """The cases every figure and list counts: not those voided, recorded in error."""
    return ~Q(status=CaseStatus.VOIDED)


def cases_active_on(day: datetime.date) -> Q:
    """Cases under care at the end of ``day``: confirmed by then and not yet discharged (the
    dashboard's figure and the case list's 在治日期 filter)."""
    end = end_of_day(day)
    return (
        Q(confirmed_at__lt=end)
        & (Q(discharged_at__isnull=True) | Q(discharged_at__gte=end))
        & cases_counted()
    )


def contacts_registered_by(day: datetime.date) -> Q:
    """Contacts registered by the end of ``day``."""
    return Q(created_at__lt=end_of_day(day))


def contacts_counted_on(day: datetime.date) -> Q:
    """The contacts a figure of ``day`` counts (密接 N 人): registered by its end and not
    dismissed by then, of a case not voided (one recorded in error never had contacts)."""
    end = end_of_day(day)
    return (
        Q(created_at__lt=end)
        & (Q(dismissed_at__isnull=True) | Q(dismissed_at__gte=end))
        & ~Q(case__status=CaseStatus.VOIDED)
    )


def contact_list(user) -> QuerySet[Contact]:
    return Contact.objects.visible_to(user).select_related("resident", "resident__area", "case")


def contacts_of_case(user, case: Case) -> QuerySet[Contact]:
    return contact_list(user).filter(case=case).exclude(state=ContactState.DISMISSED)


def cases_of_residents(resident_ids: list[int]) -> dict[int, Case]:
    """{resident: their latest case every figure counts}: a contact who has become a case
    (two cases linked in one chain)."""
    out: dict[int, Case] = {}
    for case in (
        Case.objects.filter(cases_counted(), resident_id__in=resident_ids)
        .select_related("resident__area")
        .order_by("resident_id", "confirmed_at", "pk")
    ):
        out[case.resident_id] = case
    return out


def exposures_of_case_person(case: Case) -> QuerySet[Contact]:
    """Where ``case``'s own person was a contact of another case (not dismissed, that case
    not voided): the case it most likely came from."""
    return (
        Contact.objects.filter(resident_id=case.resident_id)
        .exclude(case=case)
        .exclude(state=ContactState.DISMISSED)
        .exclude(case__status=CaseStatus.VOIDED)
        .select_related("case__resident__area")
        .order_by("case__confirmed_at", "pk")
    )


# --- transmission chain ---------------------------------------------------------------------


@dataclass
class ChainNode:
    key: int  # resident id
    name: str  # masked but in the unmasked export
    degree: str  # "case" | "close" | "secondary"
    state: str = ""
    contact_id: int | None = None


@dataclass
class ChainEdge:
    source_key: int
    target_key: int
    source: str
    target: str
    degree: str
    kind: str
    venue: str
    source_start: datetime.datetime | None
    source_end: datetime.datetime | None
    contact_start: datetime.datetime | None
    contact_end: datetime.datetime | None
    overlap_minutes: int | None
    state: str


@dataclass
class Chain:
    case: Case
    nodes: list[ChainNode] = field(default_factory=list)
    edges: list[ChainEdge] = field(default_factory=list)
    hidden: int = 0  # contacts living outside the user's area: counted, never shown


def chain(user, case: Case, *, reveal: bool = False) -> Chain:
    """Cases and contacts as nodes, exposures as labelled edges; contacts outside the user's
    area counted only. Names masked, unless ``reveal`` (the unmasked export: the caller has
    checked the permission and the purpose)."""
    name = (lambda n: n) if reveal else mask_name
    out = Chain(case=case)
    out.nodes.append(ChainNode(case.resident_id, name(case.resident.name), "case"))
    contacts = list(
        Contact.objects.visible_to(user)
        .filter(case=case)
        .select_related("resident")
        .order_by("degree", "resident__area__path", "resident_id")
    )
    out.hidden = Contact.objects.filter(case=case).count() - len(contacts)
    names = {case.resident_id: name(case.resident.name)}
    for c in contacts:
        names[c.resident_id] = name(c.resident.name)
        out.nodes.append(
            ChainNode(
                c.resident_id,
                names[c.resident_id],
                c.degree,
                str(c.get_state_display()),
                c.pk,
            )
        )
    exposures = (
        Exposure.objects.filter(contact__in=[c.pk for c in contacts])
        .select_related("contact", "venue")
        .order_by("exposed_at", "id")
    )
    for e in exposures:
        contact = e.contact
        out.edges.append(
            ChainEdge(
                source_key=e.source_id,
                target_key=contact.resident_id,
                source=names.get(e.source_id, "—"),
                target=names[contact.resident_id],
                degree=str(contact.get_degree_display()),
                kind=str(e.get_kind_display()),
                venue=e.venue.name if e.venue_id else "",
                source_start=e.source_start,
                source_end=e.source_end,
                contact_start=e.contact_start,
                contact_end=e.contact_end,
                overlap_minutes=e.overlap_minutes,
                state=str(contact.get_state_display()),
            )
        )
    return out


# --- unregistered visitors ------------------------------------------------------------------


@dataclass
class VisitorRow:
    """One unregistered visitor on a case's page (``tables.VisitorTable`` masks it): the
    visitor found (``tracer.Visitor``), what their latest scan says, each overlap with the
    case, and whether they are a resident (registered since) or already a contact."""

    visitor: Any
    name: str
    id_number: str
    phone: str
    overlaps: list[dict]
    reason: str
    last_exposure: datetime.date
    resident: Any = None
    contact: Contact | None = None
    cells: dict = field(default_factory=dict)

    @property
    def scan_uuid(self) -> str:
        return str(self.visitor.scan.uuid)

    @property
    def venues(self) -> str:
        return joined(dict.fromkeys(o["venue"] for o in self.overlaps))

    @property
    def resident_label(self) -> str:
        return mask_name(self.resident.name) if self.resident is not None else ""


def visitors_in_scope(user, case: Case, params: Params | None = None) -> list:
    """``tracer.visitors_of`` the case, narrowed to what ``user`` may see: only the visits at
    venues in their scope (``visible_to``, as the scan lists are scoped)."""
    from fangkong.venues.models import Venue

    found = visitors_of(case, params or Params.from_settings())
    venues = {o.other.venue for v in found for o in v.overlaps}
    visible = set(Venue.objects.visible_to(user).filter(pk__in=venues).values_list("pk", flat=True))
    return [narrowed for v in found if (narrowed := v.at_venues(visible)) is not None]


def visitor_rows(user, case: Case) -> list[VisitorRow]:
    """The case's unregistered visitors in ``user``'s scope, with their latest scan's details
    (decrypted by the field; the page shows them masked) and the overlaps as the page says
    them."""
    from fangkong.registry.models import Resident
    from fangkong.venues.models import Scan, Venue

    from .services import visitor_reason

    visitors = visitors_in_scope(user, case)
    if not visitors:
        return []
    scans = {
        (s.scanned_at, s.uuid): s
        for s in Scan.objects.filter(pk__in=[(v.scan.at, v.scan.uuid) for v in visitors])
    }
    venue_names = dict(
        Venue.objects.filter(
            pk__in={o.other.venue for v in visitors for o in v.overlaps}
        ).values_list("pk", "name")
    )
    residents = Resident.objects.in_bulk([v.resident for v in visitors if v.resident])
    contacts = {
        c.resident_id: c for c in Contact.objects.filter(case=case, resident_id__in=list(residents))
    }
    rows = []
    for v in visitors:
        scan = scans[(v.scan.at, v.scan.uuid)]
        overlaps = [
            {
                "venue": venue_names.get(o.other.venue, ""),
                "source_start": o.source.start,
                "source_end": o.source.end,
                "start": o.other.start,
                "end": o.other.end,
                "minutes": o.minutes,
                # Not there at once, but within the window of each other: how far apart.
                "apart": None
                if o.minutes or o.end >= o.start
                else int((o.start - o.end).total_seconds() // 60),
            }
            for o in sorted(v.overlaps, key=lambda o: o.other.start)
        ]
        resident = residents.get(v.resident)
        rows.append(
            VisitorRow(
                visitor=v,
                name=v.name,
                id_number=scan.id_number or "",
                phone=scan.phone or "",
                overlaps=overlaps,
                reason=visitor_reason(v, venue_names),
                last_exposure=timezone.localtime(v.last_exposure).date(),
                resident=resident,
                contact=contacts.get(v.resident),
            )
        )
    return rows
