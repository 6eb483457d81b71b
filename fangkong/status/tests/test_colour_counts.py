"""``ColourCount`` equals the direct count of stored statuses per area and colour after every
kind of write: the batch and one-person recomputations, moves between grids, full
recomputation, deletes (one, by cascade, in bulk), bulk loads, concurrent recomputations
(PostgreSQL), and ``rebuild`` after counts went wrong."""

import datetime
import random
import threading

import pytest
from django.db import connections
from django.db.models import Count
from django.utils import timezone

from fangkong.registry.models import Resident
from fangkong.status import colour_counts
from fangkong.status.models import ColourCount, PersonStatus
from fangkong.status.services import recompute_all, recompute_status
from fangkong.status.testing import make_resident
from fangkong.tracing.models import Case, Contact

GRIDS = ("grid_a", "grid_b", "grid_c")


def direct() -> dict[tuple[int, str], int]:
    rows = PersonStatus.objects.values_list("area_id", "colour").annotate(n=Count("pk"))
    return {(a, c): n for a, c, n in rows}


def kept() -> dict[tuple[int, str], int]:
    rows = ColourCount.objects.exclude(n=0).values_list("area_id", "colour", "n")
    return {(a, c): n for a, c, n in rows}


def assert_counts_right() -> None:
    assert kept() == direct()
    assert not ColourCount.objects.filter(n__lt=0).exists()


def _people(areas, n: int, rng: random.Random) -> list[Resident]:
    return [make_resident(areas[rng.choice(GRIDS)], name=f"居民{i}") for i in range(n)]


def _flip(person: Resident, rng: random.Random, index: int) -> None:
    """Give the person a fact that turns them red or yellow, or end their facts."""
    what = rng.choice(("case", "contact", "clear"))
    if what == "clear":
        Contact.objects.filter(resident=person).delete()
        Case.objects.filter(resident=person).update(status="recovered")
        return
    case = Case.objects.create(
        resident=person if what == "case" else Resident.objects.exclude(pk=person.pk).first(),
        code=f"K-{index:04d}",
        kind="confirmed",
        confirmed_at=timezone.now() - datetime.timedelta(hours=2),
        status="active",
    )
    if what == "contact":
        Contact.objects.create(
            resident=person,
            case=case,
            degree=rng.choice(("close", "secondary")),
            last_exposure=timezone.localdate() - datetime.timedelta(days=1),
            state="confirmed",
        )


@pytest.mark.django_db
def test_counts_follow_every_write(areas, users):
    rng = random.Random(7)
    people = _people(areas, 30, rng)
    recompute_status([p.pk for p in people], cause="首次")  # batch path
    assert_counts_right()
    assert set(PersonStatus.objects.values_list("colour", flat=True)) == {"green"}
    for i in range(25):  # one person at a time: the one-person path
        person = rng.choice(people)
        _flip(person, rng, i)
        recompute_status([person.pk], cause="事实变更")
        assert_counts_right()
    colours = set(PersonStatus.objects.values_list("colour", flat=True))
    assert {"red", "green"} <= colours, colours  # the sequence changed colours
    for person in rng.sample(people, 6):  # moves between grids
        person.area = areas[rng.choice([g for g in GRIDS if areas[g].pk != person.area_id])]
        person.save(update_fields=["area"])
    recompute_status([p.pk for p in people[:3]], cause="迁移")  # batch path moves some
    assert_counts_right()
    recompute_all(cause="全量重算")  # and the full recomputation the rest
    assert_counts_right()
    assert dict(Resident.objects.values_list("pk", "area_id")) == dict(
        PersonStatus.objects.values_list("pk", "area_id")
    )
    people[0].delete()  # a resident deleted: the status goes by cascade
    PersonStatus.objects.filter(pk__in=[p.pk for p in people[1:4]]).delete()  # in bulk
    assert_counts_right()
    loaded = [
        PersonStatus(
            resident=p,
            area_id=p.area_id,
            colour="red",
            rules_version="x",
            computed_at=timezone.now(),
            public_code=f"load{p.pk}",
        )
        for p in people[1:4]
    ]
    PersonStatus.objects.bulk_create(loaded)  # a bulk load (the bench and demo fixtures)
    PersonStatus.objects.filter(pk=people[5].pk).update(colour="yellow")
    assert_counts_right()


@pytest.mark.django_db
def test_rebuild_recounts(areas, users):
    rng = random.Random(8)
    people = _people(areas, 12, rng)
    recompute_status([p.pk for p in people], cause="首次")
    ColourCount.objects.update(n=99)  # as after a load with the triggers off
    ColourCount.objects.create(area=areas["miyi"], colour="red", n=5)
    colour_counts.rebuild()
    assert_counts_right()
    assert sum(kept().values()) == 12


@pytest.mark.django_db
def test_the_dashboard_reads_the_counts_not_the_statuses(areas, users):
    """A count changed behind the triggers' back shows on the figure: it is read."""
    from fangkong.dashboard.figures import figure_values

    people = _people(areas, 5, random.Random(9))
    recompute_status([p.pk for p in people], cause="首次")
    day = timezone.localdate()
    assert figure_values(users["command"], areas["city"], day, ["status_green"]) == {
        "status_green": 5
    }
    ColourCount.objects.filter(colour="green").update(n=0)
    assert figure_values(users["command"], areas["city"], day, ["status_green"]) == {
        "status_green": 0
    }


@pytest.mark.postgres  # SQLite has one writer at a time
@pytest.mark.django_db(transaction=True)
def test_concurrent_recomputations_keep_the_counts(areas, users):
    """Two sessions recompute overlapping grids at once, each turning people red and green
    in both directions (opposite lock orders would deadlock): the counts add up."""
    rng = random.Random(10)
    people = _people(areas, 40, rng)
    recompute_status([p.pk for p in people], cause="首次")
    for i, person in enumerate(people[::2]):
        _flip(person, random.Random(i), i)
    halves = [[p.pk for p in people[:20]], [p.pk for p in people[20:]]]
    errors: list[BaseException] = []

    def work(ids: list[int]) -> None:
        try:
            for pk in ids:
                recompute_status([pk], cause="并发")
            recompute_status(ids, cause="并发批量")
        except BaseException as e:  # reported by the main thread
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(ids,)) for ids in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert_counts_right()
    assert len(set(PersonStatus.objects.values_list("colour", flat=True))) > 1
