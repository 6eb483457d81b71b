"""The tracing rules on their own: visits from scans, overlaps at the window's edges."""

import datetime

from fangkong.tracing.engine import Params, ScanRow, Visit, build_visits, meetings, overlaps

T0 = datetime.datetime(2022, 3, 1, 9, 0, tzinfo=datetime.UTC)
P = Params(
    window=datetime.timedelta(minutes=30),
    default_stay=datetime.timedelta(minutes=60),
    max_stay=datetime.timedelta(hours=12),
)


def m(n):
    return T0 + datetime.timedelta(minutes=n)


def test_exit_ends_a_visit_else_the_default_stay():
    visits = build_visits(
        [
            ScanRow(1, 10, m(0), "in"),
            ScanRow(1, 10, m(20), "out"),
            ScanRow(2, 10, m(0), "in"),  # no exit: an hour
            ScanRow(3, 10, m(0), "in"),
            ScanRow(3, 10, m(13 * 60), "out"),  # beyond the longest stay: ignored
            ScanRow(4, 10, m(-5), "out"),  # an exit before any entry: no visit
        ],
        P,
    )
    ends = {v.person: (v.end, v.exit_recorded) for v in visits}
    assert ends == {1: (m(20), True), 2: (m(60), False), 3: (m(60), False)}


def test_an_exit_closes_only_the_first_entry_before_it():
    visits = build_visits(
        [ScanRow(1, 10, m(0), "in"), ScanRow(1, 10, m(100), "in"), ScanRow(1, 10, m(130), "out")],
        P,
    )
    # Both entries' first exit is at 130 min: the rule is "first exit after the entry".
    assert sorted((v.start, v.end) for v in visits) == [(m(0), m(130)), (m(100), m(130))]


def test_overlap_window_edges_are_inclusive():
    case = Visit(1, 10, m(0), m(60), True)
    assert overlaps(case, Visit(2, 10, m(90), m(120), True), P.window)  # starts exactly 30 after
    assert not overlaps(case, Visit(2, 10, m(91), m(120), True), P.window)
    assert overlaps(case, Visit(2, 10, m(-60), m(-30), True), P.window)  # left exactly 30 before
    assert not overlaps(case, Visit(2, 10, m(-60), m(-31), True), P.window)
    assert not overlaps(case, Visit(2, 11, m(0), m(60), True), P.window)  # another venue


def test_meetings_group_overlaps_per_person_and_skip_excluded():
    case_visits = [Visit(1, 10, m(0), m(60), True), Visit(1, 11, m(200), m(220), True)]
    others = [
        Visit(2, 10, m(10), m(20), True),
        Visit(2, 11, m(210), m(260), True),
        Visit(3, 11, m(0), m(30), True),  # left 170 min before: no
        Visit(1, 10, m(0), m(60), True),  # the case itself
    ]
    found = meetings(case_visits, others, P, exclude={1})
    assert set(found) == {2}
    assert sorted(o.minutes for o in found[2]) == [10, 10]
