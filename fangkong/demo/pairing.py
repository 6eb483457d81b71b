"""包联 in the demo city: in every community its serving party members look after its
buildings in turn (党员包联楼栋), one building in ten left for a secretary to assign, so
the list, the coverage and a party member's phone page have something true to show. The
demo's volunteer account is given the buildings where quarantined people live first."""

from __future__ import annotations

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.models.audit import AuditAction

from .volunteers import REASON

UNPAIRED_EVERY = 10  # every tenth building (counted across the city) waits for one


def load_pairing_demo(root: Area, volunteer_user=None) -> int:
    from fangkong.health.choices import AssignmentState
    from fangkong.health.models import Assignment
    from fangkong.pairing.models import Pairing
    from fangkong.pairing.services import SERVING
    from fangkong.registry.models import Building
    from fangkong.volunteers.models import Volunteer

    if Pairing.objects.in_area(root).exists():
        return 0
    mine = Volunteer.objects.filter(user=volunteer_user).first() if volunteer_user else None
    cared_for = set(
        Assignment.objects.filter(state=AssignmentState.ACTIVE)
        .exclude(resident__household__building=None)
        .values_list("resident__household__building", flat=True)
    )
    pairings = []
    counted = 0
    for community in Area.objects.in_area(root).filter(level=AreaLevel.COMMUNITY).order_by("path"):
        members = list(
            Volunteer.objects.filter(
                area=community, is_party_member=True, state__in=SERVING
            ).order_by("pk")
        )
        if not members:
            continue
        buildings = sorted(
            Building.objects.in_area(community).select_related("area"),
            key=lambda b: (b.pk not in cared_for, b.area.path, b.name),
        )
        if mine is not None and mine in members:
            # The demo account's party member first: the buildings with quarantines.
            members.remove(mine)
            members.insert(0, mine)
        for i, building in enumerate(buildings):
            counted += 1
            if counted % UNPAIRED_EVERY == 0 and i:  # a community's first is always paired
                continue
            pairings.append(
                Pairing(
                    volunteer=members[i % len(members)],
                    area_id=building.area_id,
                    building=building,
                )
            )
    Pairing.objects.bulk_create(pairings, batch_size=500)
    audit.record_many(
        None,
        [
            audit.event_for(p, AuditAction.CREATE, changes=audit.snapshot(p), reason=REASON)
            for p in pairings
        ],
    )
    return len(pairings)
