"""Every write to 包联 goes through these functions, and so does a party member's work on the
households they are assigned: a visit, a quarantined member's check-in, a member's phone.

A party member acts only on the households their pairings cover (a paired building covers
every household in it at the time of asking), and only while they serve (在岗 or 储备);
staff keep to their area as everywhere else.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.services import audited_create, audited_delete, require_area, require_perm
from fangkong.registry.models import Building, Household

from .models import SERVING, Pairing
from .selectors import covered_by


def _target(building, household):
    if (building is None) == (household is None):
        raise ValidationError({"building": _("请选择包联的楼栋或户（二选一）")})
    return building if building is not None else household


def _check_volunteer(volunteer, area) -> None:
    """Who may be paired in ``area``: a serving party member of its community, or one who
    reported to it (在职党员进社区报到)."""
    if volunteer is None:
        raise ValidationError({"volunteer": _("请选择包联党员")})
    if not volunteer.is_party_member:
        raise ValidationError(
            {"volunteer": _("只有党员志愿者可以包联（请先在志愿者信息中勾选中共党员）")}
        )
    if volunteer.state not in SERVING:
        raise ValidationError(
            {
                "volunteer": _("该志愿者当前状态为“%(state)s”，不能包联")
                % {"state": volunteer.get_state_display()}
            }
        )
    communities = [volunteer.area] + [
        r.area for r in volunteer.party_reports.select_related("area")
    ]
    if not any(area.is_within(c) for c in communities):
        raise ValidationError({"volunteer": _("该党员不属于这个网格所在的社区，也未向该社区报到")})


def find_target(area, building_name: str = "", household_number: str = ""):
    """The building or household a form or an import row names in grid ``area``: a
    household number pairs that household (its building, if named too, must be its own), a
    building name alone the whole building. Returns ``(building, household)``, one of them
    ``None``."""
    building_name = (building_name or "").strip()
    household_number = (household_number or "").strip()
    if area is None:
        raise ValidationError({"area": _("请选择网格")})
    if household_number:
        household = (
            Household.objects.filter(area=area, number=household_number)
            .select_related("building")
            .first()
        )
        if household is None:
            raise ValidationError(
                {"household": _("该网格内没有户编号为“%(n)s”的户") % {"n": household_number}}
            )
        if building_name and (
            household.building is None or household.building.name != building_name
        ):
            raise ValidationError(
                {
                    "building": _("户“%(n)s”不在楼栋“%(b)s”")
                    % {"n": household_number, "b": building_name}
                }
            )
        return None, household
    if building_name:
        building = Building.objects.filter(area=area, name=building_name).first()
        if building is None:
            raise ValidationError(
                {"building": _("该网格内没有名为“%(b)s”的楼栋") % {"b": building_name}}
            )
        return building, None
    raise ValidationError({"building": _("请填写包联的楼栋或户编号")})


def pairable_volunteers(user):
    """Party members ``user`` may pair: serving ones of the user's area, and those who
    reported to a community in it."""
    from fangkong.volunteers.models import PartyReport, Volunteer

    reported = PartyReport.objects.visible_to(user).values("volunteer")
    return (
        Volunteer._base_manager.filter(is_party_member=True, state__in=SERVING)
        .filter(Q(pk__in=Volunteer.objects.visible_to(user).values("pk")) | Q(pk__in=reported))
        .select_related("area")
        .order_by("area__path", "name", "pk")
    )


def check_pair(*, actor, volunteer, building=None, household=None):
    """What ``pair`` asks before it writes, short of the same pairing being there already:
    the permission, the actor's area, who may be paired there, and a household whose whole
    building the volunteer already looks after. An import row asks it too (``importers``),
    where the same pairing again is no error but a row that changes nothing. Returns the
    target's grid."""
    require_perm(actor, "pairing.add_pairing")
    target = _target(building, household)
    require_area(actor, target.area)
    _check_volunteer(volunteer, target.area)
    if (
        household is not None
        and household.building_id
        and Pairing.objects.filter(volunteer=volunteer, building_id=household.building_id).exists()
    ):
        raise ValidationError({"household": _("该党员已包联这一户所在的整栋楼")})
    return target.area


def pair(*, actor, volunteer, building=None, household=None, notes: str = "") -> Pairing:
    """Assign ``volunteer`` to a building (every household in it) or one household."""
    area = check_pair(actor=actor, volunteer=volunteer, building=building, household=household)
    mine = Pairing.objects.filter(volunteer=volunteer)
    if building is not None and mine.filter(building=building).exists():
        raise ValidationError({"building": _("该党员已包联这个楼栋")})
    if household is not None and mine.filter(household=household).exists():
        raise ValidationError({"household": _("该党员已包联这一户")})
    try:
        with transaction.atomic():
            return audited_create(
                actor,
                Pairing,
                volunteer=volunteer,
                area=area,
                building=building,
                household=household,
                notes=(notes or "").strip()[:200],
            )
    except IntegrityError:  # the same pairing saved by someone else a moment before
        raise ValidationError(_("该党员已包联这个楼栋或这一户")) from None


def pair_named(
    *, actor, volunteer, area, building: str = "", household: str = "", notes: str = ""
) -> Pairing:
    """``pair`` with the target named as people write it (a form, an import row): the grid,
    and a building name or a household number in it. The grid is checked against the actor
    first, so a name never tells whether a building exists in someone else's grid."""
    require_perm(actor, "pairing.add_pairing")
    if area is not None:
        require_area(actor, area)
    building, household = find_target(area, building, household)
    return pair(
        actor=actor, volunteer=volunteer, building=building, household=household, notes=notes
    )


def unpair(*, actor, pairing: Pairing, reason: str = "") -> None:
    """解除包联 (the party member moved away, the household left): audited with its reason."""
    require_perm(actor, "pairing.delete_pairing")
    require_area(actor, pairing.area)
    audited_delete(actor, pairing, reason=(reason or "").strip()[:200])


def follow(*, building=None, household=None) -> None:
    """A building or household moved to another grid (``registry.services``): its pairings'
    grid follows, inside the caller's transaction, so the new grid's staff see them."""
    target = building if building is not None else household
    field = "building" if building is not None else "household"
    Pairing.objects.filter(**{field: target}).exclude(area_id=target.area_id).update(
        area_id=target.area_id
    )


# --- a party member's own households ---------------------------------------------------


def own_pairings(user) -> QuerySet[Pairing]:
    """The pairings of a signed-in party member who serves; none for anyone else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Pairing.objects.none()
    return Pairing.objects.filter(volunteer__user=user, volunteer__state__in=SERVING)


def paired_households(user) -> QuerySet[Household]:
    return Household.objects.filter(covered_by(own_pairings(user)))


def require_paired(actor, household) -> None:
    if household is None or not paired_households(actor).filter(pk=household.pk).exists():
        raise PermissionDenied(_("该户不在您的包联范围内"))


def record_visit(*, actor, household, **visit):
    """入户走访 by the household's party member, counted in the campaign like a grid
    worker's (their visit settles the household as any other); ``visit`` as for
    ``screening.services.write_visit``."""
    from fangkong.screening.services import write_visit

    require_paired(actor, household)
    return write_visit(actor=actor, household=household, **visit)


def record_checkin(*, actor, assignment, now: datetime.datetime | None = None, **checkin):
    """A quarantined member's half-day temperature, reported by their household's party
    member (包联党员代填), with the checks and alerts of any other check-in; ``checkin`` as
    for ``health.services.save_checkin`` (date, slot, temperature, symptoms)."""
    from fangkong.health.choices import CheckInSource
    from fangkong.health.services import save_checkin

    require_paired(actor, assignment.resident.household)
    checkin.setdefault("symptoms", ())
    return save_checkin(
        actor=actor,
        assignment=assignment,
        source=CheckInSource.PAIRED,
        now=now or timezone.now(),
        **checkin,
    )


def reveal_phone(*, actor, resident, reason: str) -> str:
    """A member's phone, for the party member to call them; the reading is audited with its
    reason, as a staff member's unmasking is."""
    from fangkong.registry.services import read_unmasked

    require_paired(actor, resident.household)
    missing = _("查看电话必须填写原因")
    return read_unmasked(actor, resident, ("phone",), reason, missing=missing)["phone"]
