"""Write the demo city: what the plan holds and the database lacks, in one transaction.

Rows are matched by natural key (area code, building name and household number per grid,
the ID number's blind index), so a second run adds nothing and a bigger run tops up. Rows
go in with ``bulk_create`` (encrypted fields, blind indexes and search keys are computed on
insert) and each one gets its audit entry through ``core.audit.record_many``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import transaction

from fangkong.accounts.models import User
from fangkong.areas.models import PATH_SEP, Area
from fangkong.core import audit, dbstats
from fangkong.core.models import AuditEntry
from fangkong.core.models.audit import AuditAction
from fangkong.core.personal import index_value
from fangkong.registry.models import Building, Household, Resident
from fangkong.registry.rules import encode_tags

from .accounts import AccountResult, ensure_accounts, write_accounts_file
from .duty import ensure_duty
from .enterprises import ensure_enterprises
from .epidemic import load_epidemic_demo
from .pairing import load_pairing_demo
from .plan import CityPlan, HouseholdSpec, plan_city, plan_households
from .supervision import load_supervision_demo
from .venues import load_venues
from .volunteers import link_volunteer_account, load_volunteers

AUDIT_REASON = "演示数据（fangkong load-demo）"
BATCH = 2000


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    accounts: list[AccountResult] = field(default_factory=list)
    audit_entries: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def load_demo(
    *,
    residents: int = 20_000,
    seed: int = 2020,
    communities_per_street: int = 4,
    reset_passwords: bool = False,
) -> LoadResult:
    started = time.monotonic()
    city = plan_city(seed=seed, communities_per_street=communities_per_street)
    households = plan_households(city, residents=residents, seed=seed)
    result = LoadResult()
    events: list[audit.Event] = []
    with transaction.atomic():
        # Modules written through their services audit themselves: count what the load added.
        audit_before = AuditEntry.objects.count()
        areas = _ensure_areas(city, events, result)
        buildings = _ensure_buildings(households, areas, events, result)
        homes = _ensure_households(households, areas, buildings, events, result)
        _ensure_residents(households, areas, homes, events, result)
        result.created.update(load_venues(areas, events, seed=seed))
        result.created["volunteers"] = load_volunteers(
            areas[city.root_code], seed=seed, events=events
        )
        result.accounts = ensure_accounts(areas, seed=seed, reset_passwords=reset_passwords)
        result.created["accounts"] = sum(r.created for r in result.accounts)
        for r in result.accounts:
            if r.created:
                events.append(_account_event(r.user))
        result.created.update(ensure_enterprises(areas, events, seed=seed, reason=AUDIT_REASON))
        demo_users = {r.user.username: r.user for r in result.accounts}
        result.created["duty"] = ensure_duty(areas, demo_users, events, AUDIT_REASON)
        result.created["volunteer_accounts"] = link_volunteer_account(
            demo_users.get("volunteer"), events
        )
        audit.record_many(None, events)
        result.created |= load_supervision_demo(
            seed=seed, command=demo_users.get("command"), inspector=demo_users.get("inspector")
        )
        result.created.update(_load_supplies(areas[city.root_code], result.accounts, seed))
        community = demo_users.get("community")
        result.created |= load_epidemic_demo(
            seed=seed,
            command=demo_users.get("command"),
            community=community.area if community is not None else None,
        )
        result.created["pairings"] = load_pairing_demo(
            areas[city.root_code], demo_users.get("volunteer")
        )
    # The services' own recomputations ran at the commit; everyone else gets the status
    # their facts give (most are green), which the status pages and the dashboard read.
    result.created["statuses"] = _ensure_statuses(areas[city.root_code])
    result.audit_entries = AuditEntry.objects.count() - audit_before
    write_accounts_file(result.accounts)
    dbstats.refresh()  # the lists' planner sees the loaded city
    root = areas[city.root_code]
    result.totals = {
        "areas": Area.objects.in_area(root).count(),
        "buildings": Building.objects.in_area(root).count(),
        "households": Household.objects.in_area(root).count(),
        "residents": Resident.objects.in_area(root).count(),
    }
    result.seconds = time.monotonic() - started
    return result


def _ensure_statuses(root: Area) -> int:
    from fangkong.status.services import recompute_stream

    missing = Resident.objects.in_area(root).filter(status__isnull=True)
    ids = list(missing.order_by("pk").values_list("pk", flat=True))
    recompute_stream(iter(ids), cause=AUDIT_REASON)
    return len(ids)


def _load_supplies(root: Area, accounts: list[AccountResult], seed: int) -> dict[str, int]:
    """Issue 7: supplies, donations, funds and prices, through their services."""
    from .supplies import load_supplies

    actor = next(r.user for r in accounts if r.user.username == "command")
    return load_supplies(actor=actor, root=root, seed=seed)


def _created(instance, events: list[audit.Event]) -> None:
    events.append(
        audit.event_for(
            instance, AuditAction.CREATE, changes=audit.snapshot(instance), reason=AUDIT_REASON
        )
    )


def _account_event(user: User) -> audit.Event:
    # Not a snapshot: it would carry the password hash.
    changes = {
        "username": user.username,
        "role": user.role,
        "area": user.area_id,
        "is_superuser": user.is_superuser,
    }
    return audit.event_for(user, AuditAction.CREATE, changes=changes, reason=AUDIT_REASON)


def _ensure_areas(city: CityPlan, events: list[audit.Event], result: LoadResult) -> dict[str, Area]:
    by_code = {a.code: a for a in Area.objects.filter(code__in=[s.code for s in city.areas])}
    created = 0
    for level in sorted({s.level for s in city.areas}):
        new = []
        for spec in city.areas:
            if spec.level != level or spec.code in by_code:
                continue
            parent = by_code[spec.parent_code] if spec.parent_code else None
            path = (parent.path if parent else "") + spec.code + PATH_SEP
            new.append(
                Area(
                    code=spec.code,
                    name=spec.name,
                    level=spec.level,
                    parent=parent,
                    path=path,
                    depth=path.count(PATH_SEP) - 1,
                )
            )
        for area in Area.objects.bulk_create(new, batch_size=BATCH):
            by_code[area.code] = area
            _created(area, events)
        created += len(new)
    result.created["areas"] = created
    return by_code


def _ensure_buildings(
    households: list[HouseholdSpec],
    areas: dict[str, Area],
    events: list[audit.Event],
    result: LoadResult,
) -> dict[tuple[str, str], Building]:
    grid_ids = {areas[h.grid_code].pk for h in households}
    code_of = {a.pk: code for code, a in areas.items()}
    found = {(code_of[b.area_id], b.name): b for b in Building.objects.filter(area_id__in=grid_ids)}
    new = []
    for h in households:
        key = (h.grid_code, h.building)
        if key not in found:
            found[key] = building = Building(area=areas[h.grid_code], name=h.building)
            new.append(building)
    for building in Building.objects.bulk_create(new, batch_size=BATCH):
        _created(building, events)
    result.created["buildings"] = len(new)
    return found


def _ensure_households(
    households: list[HouseholdSpec],
    areas: dict[str, Area],
    buildings: dict[tuple[str, str], Building],
    events: list[audit.Event],
    result: LoadResult,
) -> dict[tuple[str, str], Household]:
    grid_ids = {areas[h.grid_code].pk for h in households}
    code_of = {a.pk: code for code, a in areas.items()}
    found = {
        (code_of[h.area_id], h.number): h for h in Household.objects.filter(area_id__in=grid_ids)
    }
    new = []
    for spec in households:
        key = (spec.grid_code, spec.number)
        if key not in found:
            found[key] = household = Household(
                area=areas[spec.grid_code],
                building=buildings[(spec.grid_code, spec.building)],
                number=spec.number,
                address=spec.address,
            )
            new.append(household)
    for household in Household.objects.bulk_create(new, batch_size=BATCH):
        _created(household, events)
    result.created["households"] = len(new)
    return found


def _ensure_residents(
    households: list[HouseholdSpec],
    areas: dict[str, Area],
    homes: dict[tuple[str, str], Household],
    events: list[audit.Event],
    result: LoadResult,
) -> None:
    people = [(spec, person) for spec in households for person in spec.members]
    keys = [index_value(p.id_number, kind="id_number", purpose="id") for _, p in people]
    existing: set[str] = set()
    for i in range(0, len(keys), BATCH):
        existing.update(
            Resident.objects.filter(id_number_index__in=keys[i : i + BATCH]).values_list(
                "id_number_index", flat=True
            )
        )
    new = []
    for (spec, person), key in zip(people, keys, strict=True):
        if key in existing:
            continue
        new.append(
            Resident(
                area=areas[spec.grid_code],
                household=homes[(spec.grid_code, spec.number)],
                name=person.name,
                gender=person.gender,
                birth_date=person.birth_date,
                id_number=person.id_number,
                phone=person.phone,
                address=spec.address,
                category=person.category,
                origin=person.origin,
                arrival_date=person.arrival_date,
                tags=encode_tags(person.tags),
            )
        )
    for resident in Resident.objects.bulk_create(new, batch_size=BATCH):
        _created(resident, events)
    result.created["residents"] = len(new)
