"""24-hour coverage: exact gap intervals and double bookings from the shift intervals."""

import datetime
from types import SimpleNamespace

import pytest

from fangkong.duty.coverage import find_double_bookings, find_gaps, merge_intervals, unit_coverage
from fangkong.duty.models import Shift

from .conftest import DAY, at

START, END = at(0), at(0, day=1)


def hm(intervals):
    """Intervals as local ``(day offset, "HH:MM")`` pairs, for readable exact assertions."""
    from django.utils import timezone

    def one(m):
        local = timezone.localtime(m)
        return ((local.date() - DAY).days, local.strftime("%H:%M"))

    return [(one(s), one(e)) for s, e in intervals]


def test_touching_shifts_leave_no_gap():
    assert find_gaps([(at(0), at(8)), (at(8), at(20)), (at(20), at(0, day=1))], START, END) == []


def test_one_minute_between_shifts_is_a_gap():
    gaps = find_gaps([(at(0), at(8)), (at(8, 1), at(0, day=1))], START, END)
    assert hm(gaps) == [((0, "08:00"), (0, "08:01"))]


def test_overlapping_shifts_merge_and_gaps_are_exact():
    shifts = [(at(7), at(12)), (at(9), at(13, 30)), (at(18), at(22))]
    assert hm(merge_intervals(shifts)) == [
        ((0, "07:00"), (0, "13:30")),
        ((0, "18:00"), (0, "22:00")),
    ]
    assert hm(find_gaps(shifts, START, END)) == [
        ((0, "00:00"), (0, "07:00")),
        ((0, "13:30"), (0, "18:00")),
        ((0, "22:00"), (1, "00:00")),
    ]


def test_night_shift_crossing_midnight_covers_both_days():
    night = [(at(20, day=-1), at(8)), (at(8), at(20)), (at(20), at(8, day=1))]
    assert find_gaps(night, START, END) == []
    # Without the previous night's shift the early morning is uncovered.
    assert hm(find_gaps(night[1:], START, END)) == [((0, "00:00"), (0, "08:00"))]


def test_no_shifts_means_the_whole_day_is_a_gap():
    assert find_gaps([], START, END) == [(START, END)]


def test_shift_contained_in_another_and_outside_window_are_ignored():
    shifts = [(at(0), at(0, day=1)), (at(3), at(4)), (at(1, day=2), at(2, day=2))]
    assert find_gaps(shifts, START, END) == []


def test_window_is_the_local_day_in_asia_shanghai():
    # Local midnight in Beijing is 16:00 UTC of the day before.
    assert START.utcoffset() == datetime.timedelta(hours=8)
    assert START.astimezone(datetime.UTC) == datetime.datetime(
        2020, 2, 13, 16, 0, tzinfo=datetime.UTC
    )


def _shift(pk, person_id, start, end):
    return SimpleNamespace(pk=pk, person_id=person_id, person=person_id, start=start, end=end)


def test_double_bookings_overlap_only_not_touching():
    a = _shift(1, 7, at(8), at(20))
    b = _shift(2, 7, at(20), at(8, day=1))  # touches a: fine
    c = _shift(3, 7, at(19), at(21))  # overlaps a (19–20) and b (20–21)
    d = _shift(4, 8, at(8), at(20))  # another person at the same time: fine
    found = find_double_bookings([a, b, c, d])
    assert [(x.first.pk, x.second.pk) for x in found] == [(1, 3), (3, 2)]
    assert hm([(x.start, x.end) for x in found]) == [
        ((0, "19:00"), (0, "20:00")),
        ((0, "20:00"), (0, "21:00")),
    ]


@pytest.mark.django_db
def test_unit_coverage_reads_shifts_and_flags_gaps_per_day(areas, users, make_shift):
    community = areas["community"]
    make_shift(community, users["community"], at(8), at(20), role="leader")
    make_shift(community, users["grid_a"], at(20), at(8, day=1))
    make_shift(community, users["grid_b"], at(8, day=1), at(18, day=1))
    # grid_a is also booked at the street during part of the night: a double booking.
    make_shift(areas["street"], users["grid_a"], at(23), at(1, day=1))
    # A shift of a grid below the community is not the community's own coverage.
    make_shift(areas["grid_a"], users["grid_b"], at(0), at(8))
    days = unit_coverage(Shift.objects.visible_to(users["command"]), community, DAY, 2)
    assert [d.day for d in days] == [DAY, DAY + datetime.timedelta(days=1)]
    assert hm(days[0].gaps) == [((0, "00:00"), (0, "08:00"))]
    assert days[0].gap_minutes == 8 * 60
    assert hm(days[1].gaps) == [((1, "18:00"), (2, "00:00"))]
    # The overlap (23:00–01:00) crosses midnight, so both days flag it.
    for d in days:
        assert [(b.person.username, hm([(b.start, b.end)])) for b in d.double_bookings] == [
            ("grid_a", [((0, "23:00"), (1, "01:00"))])
        ]
    assert [s.person.username for s in days[1].shifts] == ["grid_a", "grid_b"]


@pytest.mark.django_db
def test_unit_coverage_sees_only_shifts_in_scope(areas, users, make_shift):
    make_shift(areas["community"], users["community"], at(0), at(0, day=1))
    days = unit_coverage(Shift.objects.visible_to(users["grid_c"]), areas["community"], DAY)
    assert days[0].shifts == []
    assert days[0].gaps == [(START, END)]
