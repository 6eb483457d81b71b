"""The resident's area kept on cases, contacts, quarantine assignments and findings
(``core.kept_area``, which the dashboard counts by) equals the resident's area after every
kind of write: services, saves of stale instances, bulk creates and updates, raw inserts (an
importer's), rows moved to another resident, residents moved between grids one at a time and
in bulk, deletes — and ``rebuild`` after a load with the triggers off."""

import datetime
import random

import pytest
from django.db import connection
from django.utils import timezone

from fangkong.core.triggers import installed_triggers
from fangkong.dashboard.testing import generate_city_records
from fangkong.health.models import Assignment
from fangkong.health.services import create_assignment, release_assignment
from fangkong.registry.models import Resident
from fangkong.registry.services import update_resident
from fangkong.screening.coverage import HOUSEHOLD_COUNTS
from fangkong.screening.models import Finding
from fangkong.status.clock import local_date
from fangkong.status.colour_counts import COLOUR_COUNTS
from fangkong.tracing.models import Case, Contact
from fangkong.tracing.services import create_contact
from fangkong.venues.day_counts import AREA_COUNTS

pytestmark = pytest.mark.django_db

GRIDS = ("grid_a", "grid_b", "grid_c")
KEPT_MODELS = (Case, Contact, Assignment, Finding)


def wrong_rows() -> list[tuple[str, int, int | None, int]]:
    """Rows whose kept area is not their resident's: (model, pk, kept, resident's)."""
    out = []
    for model in KEPT_MODELS:
        rows = model.objects.values_list("pk", "resident_area_id", "resident__area_id")
        out += [(model.__name__, pk, kept, real) for pk, kept, real in rows if kept != real]
    return out


def assert_kept_right() -> None:
    assert wrong_rows() == []


@pytest.fixture
def city(areas, users):
    day = local_date(timezone.now())
    generate_city_records([areas[g] for g in GRIDS], day, people=40)
    assert all(m.objects.exists() for m in KEPT_MODELS)
    return day


def _move(rng: random.Random, areas, step: int) -> None:
    """One kind of write, chosen at random."""
    residents = list(Resident.objects.order_by("pk"))
    grid = areas[rng.choice(GRIDS)]
    what = step % 6
    if what == 0:  # one resident moved by a save of the whole row
        r = rng.choice(residents)
        r.area = grid
        r.save()
    elif what == 1:  # several residents moved by one bulk update
        ids = [r.pk for r in rng.sample(residents, 5)]
        Resident.objects.filter(pk__in=ids).update(area=grid)
    elif what == 2:  # a row moved to another resident, by a queryset update
        model = rng.choice(KEPT_MODELS)
        row = model.objects.order_by("?").first()
        others = Resident.objects.exclude(pk=row.resident_id)
        if model is Finding:  # one finding per campaign and resident
            others = others.exclude(screening_findings__campaign_id=row.campaign_id)
        if model is Contact:
            others = others.exclude(contacts__case_id=row.case_id)
        model.objects.filter(pk=row.pk).update(resident=others.order_by("?").first())
    elif what == 3:  # a stale instance (read before its resident moved) saved again
        contact = Contact.objects.order_by("?").first()
        Resident.objects.filter(pk=contact.resident_id).update(area=grid)
        contact.reason = "复核"
        contact.save()
    elif what == 4:  # bulk update naming the kept column itself
        rows = list(Assignment.objects.all()[:5])
        for a in rows:
            a.resident_area_id = None
            a.doctor = "李医生"
        Assignment.objects.bulk_update(rows, ["doctor", "resident_area"])
    else:  # a delete
        Contact.objects.order_by("?").first().delete()


def test_every_table_has_its_triggers():
    """After every migration (a later rebuild of a table on SQLite would drop them): every
    set of triggers the project keeps data by (``core.triggers.Kept``)."""
    kept = [m.kept_area for m in KEPT_MODELS]
    kept += [COLOUR_COUNTS, HOUSEHOLD_COUNTS, AREA_COUNTS]
    for k in kept:
        assert k.trigger_names(), k
        assert k.installed() == k.trigger_names(), k
    assert "venues_scanareadaycount_move" in installed_triggers()


def test_kept_area_follows_every_write(city, areas, users):
    assert_kept_right()  # created one by one and in bulk (``generate_city_records``)
    actor = users["community"]
    rng = random.Random(11)
    people = list(Resident.objects.order_by("pk"))
    case = Case.objects.first()
    # Through the services.
    contact = create_contact(
        actor=actor,
        resident=next(p for p in people if p.pk != case.resident_id),
        case=case,
        degree="secondary",
        last_exposure=city - datetime.timedelta(days=1),
    )
    assignment = create_assignment(
        actor=actor,
        resident=people[0],
        kind="health_monitoring",
        start_date=city,
        end_date=city + datetime.timedelta(days=7),
    )
    assert_kept_right()
    mover = Resident.objects.get(pk=contact.resident_id)
    target = next(areas[g] for g in GRIDS if areas[g].pk != mover.area_id)
    update_resident(
        actor=actor, resident=mover, data={"area": target}, expected_version=mover.version
    )
    assert Contact.objects.get(pk=contact.pk).resident_area_id == target.pk
    release_assignment(actor=actor, assignment=assignment, note="提前解除")
    assert_kept_right()
    # Bulk creates and a raw insert without the column (as the importer writes).
    Contact.objects.bulk_create(
        Contact(resident=p, case=case, degree="close", last_exposure=city)
        for p in people[-5:]
        if p.pk != case.resident_id
    )
    now = timezone.now()
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO tracing_case (resident_id, code, kind, confirmed_at, status, source, "
            "void_reason, notes, created_at, updated_at, version) VALUES (%s, 'RAW-1', "
            "'confirmed', %s, 'active', '', '', '', %s, %s, 1)",
            [people[1].pk, now, now, now],
        )
    assert_kept_right()
    for step in range(36):
        _move(rng, areas, step)
        assert_kept_right()


class _Editor:
    """What ``install``/``uninstall`` use of a schema editor, inside the test's transaction
    (SQLite's schema editor cannot run in one)."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as c:
            c.execute(sql)


def test_rebuild_after_a_load_with_the_triggers_off(city):
    editor = _Editor()
    for model in KEPT_MODELS:
        model.kept_area.uninstall(editor)
    Resident.objects.update(area=Resident.objects.first().area)  # every resident moved
    assert wrong_rows()
    assert not any(m.kept_area.installed() for m in KEPT_MODELS)
    for model in KEPT_MODELS:
        model.kept_area.rebuild()
    assert_kept_right()
    for model in KEPT_MODELS:
        model.kept_area.install(editor)
    assert all(m.kept_area.installed() for m in KEPT_MODELS)
    assert_kept_right()
