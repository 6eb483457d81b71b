import datetime

import pytest
from django.utils import timezone

from fangkong.status.clock import at_local
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident
from fangkong.tracing.models import Case
from fangkong.venues import services
from fangkong.venues.choices import VenueKind


@pytest.fixture
def now():
    """The time of the test, taken as it starts: a run of the suite may cross midnight."""
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def market(areas, users):
    return services.create_venue(
        actor=users["community"],
        data={
            "area": areas["grid_a"],
            "name": "海棠农贸市场",
            "kind": VenueKind.MARKET,
            "capacity": 2,
            "measures_temperature": True,
        },
    )


@pytest.fixture
def checkpoint(areas, users):
    return services.create_venue(
        actor=users["community"],
        data={
            "area": areas["community"],
            "name": "仁和路卡点",
            "kind": VenueKind.CHECKPOINT,
            "measures_temperature": True,
            "nat_hours": 48,
        },
    )


@pytest.fixture
def green(areas):
    r = make_resident(areas["grid_a"], name="李青青")
    recompute_status([r.pk], cause="测试")
    return r


@pytest.fixture
def red(areas):
    r = make_resident(areas["grid_a"], name="欧阳明月")
    Case.objects.create(
        resident=r,
        code="C-7",
        kind="confirmed",
        confirmed_at=at_local(datetime.date(2026, 1, 2), 9),
    )
    recompute_status([r.pk], cause="测试")
    return r
