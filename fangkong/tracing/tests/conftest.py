"""A small city for the tracing tests: one case, a market and a supermarket, and the people
whose visits put them at the window's edges."""

import datetime

import pytest

from fangkong.status.clock import at_local
from fangkong.status.testing import make_household, make_resident
from fangkong.tracing.services import create_case
from fangkong.tracing.testing import make_venue, visit

D = datetime.date(2022, 3, 10)
CONFIRMED = at_local(D, 10)


def t(day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    return at_local(D + datetime.timedelta(days=day_offset), hour) + datetime.timedelta(
        minutes=minute
    )


@pytest.fixture
def city(areas, users):
    """Case A visited market V on day -2, 09:00–10:00 (with an exit scan)."""
    home = make_household(areas["grid_a"], "1-101")
    b_home = make_household(areas["grid_b"], "2-202")
    p = {
        "A": make_resident(areas["grid_a"], name="病例甲", household=home),
        "F": make_resident(areas["grid_a"], name="同住者", household=home),
        "B": make_resident(areas["grid_b"], name="重叠者", household=b_home),
        "H": make_resident(areas["grid_b"], name="密接同住", household=b_home),
        "C": make_resident(areas["grid_a"], name="窗口边缘"),
        "D": make_resident(areas["grid_a"], name="窗口之外"),
        "E": make_resident(areas["grid_a"], name="期外到访"),
        "G": make_resident(areas["grid_c"], name="次密接者"),
        "K": make_resident(areas["grid_c"], name="早到未走"),
    }
    v = make_venue(areas["grid_a"], "海棠农贸市场")
    w = make_venue(areas["grid_c"], "迷阳超市")
    visit(p["A"], v, t(-2, 9), 60)
    visit(p["A"], w, t(-1, 15), 20)  # a second venue the next day; nobody else there then
    visit(p["B"], v, t(-2, 9, 50), 10)  # overlaps 10 minutes
    visit(p["C"], v, t(-2, 8), 30)  # left exactly 30 min before A came: inside the window
    visit(p["D"], v, t(-2, 10, 31))  # entered 31 min after A left (and after B): outside
    visit(p["E"], v, t(-8, 9), 60)  # same time of day, before the infectious period
    visit(p["K"], v, t(-2, 7), 150)  # entered before A, left 09:30 after A came: overlap
    visit(p["B"], w, t(-1, 18), 30)  # B later meets G at the supermarket
    visit(p["G"], w, t(-1, 18, 10), 10)
    case = create_case(
        actor=users["command"],
        resident=p["A"],
        kind="confirmed",
        confirmed_at=CONFIRMED,
        onset_date=D - datetime.timedelta(days=1),
        code="C-12",
    )
    return p, v, w, case
