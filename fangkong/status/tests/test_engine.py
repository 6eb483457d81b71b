"""Each status rule, its reason text, precedence and valid_until — on constructed facts."""

import datetime

from django.utils import timezone

from fangkong.status.clock import at_local, start_of_day
from fangkong.status.engine import (
    AssignmentFact,
    CaseFact,
    ContactFact,
    Facts,
    OverrideFact,
    Policy,
    PositiveTestFact,
    RiskStayFact,
    evaluate,
    render,
)

D = datetime.date
NOW = at_local(D(2020, 2, 20), 10, 0)  # 2020-02-20 10:00 Asia/Shanghai
POLICY = Policy()


def texts(ev):
    return [r["text"] for r in ev.reasons]


def test_no_facts_is_green_without_reasons_or_expiry():
    ev = evaluate(Facts(resident_id=1), POLICY, NOW)
    assert ev == ("green", [], None)


def test_active_case_is_red():
    ev = evaluate(Facts(1, active_cases=[CaseFact("C-12", "confirmed")]), POLICY, NOW)
    assert ev.colour == "red"
    assert texts(ev) == ["红码：确诊病例 C-12，治疗/隔离管理中"]
    assert ev.reasons[0]["public"] == "红码：感染者，治疗/隔离管理中"
    assert ev.valid_until is None


def test_asymptomatic_case_is_red_too():
    ev = evaluate(Facts(1, active_cases=[CaseFact("C-3", "asymptomatic")]), POLICY, NOW)
    assert texts(ev) == ["红码：无症状感染者 C-3，治疗/隔离管理中"]


def test_close_contact_is_red_for_contact_days_after_last_exposure():
    facts = Facts(1, confirmed_contacts=[ContactFact("C-12", "close", D(2020, 2, 17))])
    ev = evaluate(facts, POLICY, NOW)
    assert ev.colour == "red"
    assert texts(ev) == ["红码：病例 C-12 的密切接触者，隔离至 2020-03-02"]
    assert ev.reasons[0]["public"] == "红码：密切接触者，隔离至 2020-03-02"
    assert ev.valid_until == start_of_day(D(2020, 3, 3))
    # still red on the last day, green the day after
    assert evaluate(facts, POLICY, at_local(D(2020, 3, 2), 23, 59)).colour == "red"
    assert evaluate(facts, POLICY, start_of_day(D(2020, 3, 3))).colour == "green"


def test_contact_days_come_from_the_policy():
    facts = Facts(1, confirmed_contacts=[ContactFact("C-12", "close", D(2020, 2, 10))])
    assert evaluate(facts, POLICY, NOW).colour == "red"
    assert evaluate(facts, Policy(contact_days=7), NOW).colour == "green"


def test_quarantine_in_its_period_is_red():
    facts = Facts(
        1, active_assignments=[AssignmentFact("home_quarantine", D(2020, 2, 15), D(2020, 2, 28))]
    )
    ev = evaluate(facts, POLICY, NOW)
    assert (ev.colour, texts(ev)) == ("red", ["红码：居家隔离中，至 2020-02-28"])
    assert ev.valid_until == start_of_day(D(2020, 2, 29))


def test_central_quarantine_starting_tomorrow_changes_at_its_start():
    facts = Facts(
        1,
        active_assignments=[AssignmentFact("central_quarantine", D(2020, 2, 21), D(2020, 3, 5))],
    )
    ev = evaluate(facts, POLICY, NOW)
    assert (ev.colour, ev.valid_until) == ("green", start_of_day(D(2020, 2, 21)))
    later = evaluate(facts, POLICY, at_local(D(2020, 2, 21), 8))
    assert texts(later) == ["红码：集中隔离中，至 2020-03-05"]


def test_unreviewed_positive_test_is_red():
    sampled = at_local(D(2020, 2, 19), 9, 30)
    ev = evaluate(Facts(1, unresolved_positive_tests=[PositiveTestFact(sampled)]), POLICY, NOW)
    assert ev.colour == "red"
    assert texts(ev) == ["红码：核酸阳性待复核（2020-02-19 09:30 采样）"]
    assert ev.reasons[0]["public"] == "红码：核酸阳性待复核"


def test_secondary_contact_is_yellow():
    facts = Facts(1, confirmed_contacts=[ContactFact("C-12", "secondary", D(2020, 2, 18))])
    ev = evaluate(facts, POLICY, NOW)
    assert ev.colour == "yellow"
    assert texts(ev) == ["黄码：病例 C-12 的次密切接触者，管控至 2020-03-03"]


def test_health_monitoring_and_post_discharge_follow_up_are_yellow():
    facts = Facts(
        1,
        active_assignments=[
            AssignmentFact("health_monitoring", D(2020, 2, 10), D(2020, 2, 23)),
            AssignmentFact("post_discharge", D(2020, 2, 1), D(2020, 2, 28)),
        ],
    )
    ev = evaluate(facts, POLICY, NOW)
    assert ev.colour == "yellow"
    assert texts(ev) == ["黄码：健康监测中，至 2020-02-23", "黄码：出院后随访监测中，至 2020-02-28"]
    assert ev.valid_until == start_of_day(D(2020, 2, 24))


def _returnee(rank, name="高风险"):
    return Facts(
        1,
        origin="湖北省武汉市武昌区",
        arrival_date=D(2020, 2, 12),
        risk_stays=[RiskStayFact("武汉市", name, rank)],
    )


def test_arrival_from_a_risk_place_within_lookback_is_yellow():
    ev = evaluate(_returnee(3), POLICY, NOW)
    assert ev.colour == "yellow"
    assert texts(ev) == ["黄码：2020-02-12 自高风险地区“武汉市”抵达，观察至 2020-02-26"]
    assert ev.reasons[0]["public"] == "黄码：2020-02-12 自高风险地区抵达，观察至 2020-02-26"
    assert ev.valid_until == start_of_day(D(2020, 2, 27))
    assert evaluate(_returnee(3), POLICY, start_of_day(D(2020, 2, 27))).colour == "green"


def test_policy_can_make_high_risk_arrivals_red():
    ev = evaluate(_returnee(3), Policy(risk_red_rank=3), NOW)
    assert texts(ev) == ["红码：2020-02-12 自高风险地区“武汉市”抵达，观察至 2020-02-26"]
    medium = evaluate(_returnee(2, "中风险"), Policy(risk_red_rank=3), NOW)
    assert medium.colour == "yellow"


def test_low_risk_place_does_not_count():
    assert evaluate(_returnee(1, "低风险"), POLICY, NOW).colour == "green"


def test_missing_negative_test_is_yellow_when_the_policy_requires_one():
    policy = Policy(nat_required_hours=48)
    old = at_local(D(2020, 2, 17), 9)
    ev = evaluate(Facts(1, last_negative_sampled_at=old), policy, NOW)
    assert (ev.colour, texts(ev)) == ("yellow", ["黄码：48 小时内无核酸阴性结果"])
    assert evaluate(Facts(1), POLICY, NOW).colour == "green"  # rule off by default


def test_recent_negative_test_is_green_until_it_expires():
    sampled = at_local(D(2020, 2, 19), 9)
    ev = evaluate(Facts(1, last_negative_sampled_at=sampled), Policy(nat_required_hours=48), NOW)
    assert ev == ("green", [], at_local(D(2020, 2, 21), 9))


def test_red_beats_yellow_and_red_reasons_come_first():
    facts = Facts(
        1,
        confirmed_contacts=[ContactFact("C-7", "secondary", D(2020, 2, 18))],
        active_assignments=[AssignmentFact("home_quarantine", D(2020, 2, 15), D(2020, 2, 28))],
    )
    ev = evaluate(facts, Policy(nat_required_hours=48), NOW)
    assert ev.colour == "red"
    assert [r["code"] for r in ev.reasons] == ["quarantine", "secondary_contact", "nat_missing"]


def test_valid_until_is_the_earliest_time_based_change():
    facts = Facts(
        1,
        confirmed_contacts=[ContactFact("C-7", "close", D(2020, 2, 17))],  # → 03-03
        active_assignments=[AssignmentFact("health_monitoring", D(2020, 2, 10), D(2020, 2, 25))],
        last_negative_sampled_at=at_local(D(2020, 2, 19), 15),  # 48 h → 02-21 15:00
    )
    ev = evaluate(facts, Policy(nat_required_hours=48), NOW)
    assert ev.valid_until == at_local(D(2020, 2, 21), 15)


def _override(colour, expires, approved=NOW):
    return OverrideFact(
        id=5,
        colour=colour,
        reason="复核为误报",
        approved_by="李主任",
        approved_at=approved,
        expires_at=expires,
    )


def test_approved_override_wins_and_shows_as_a_reason():
    expires = at_local(D(2020, 2, 22), 18)
    facts = Facts(
        1,
        unresolved_positive_tests=[PositiveTestFact(at_local(D(2020, 2, 19), 9, 30))],
        approved_overrides=[_override("green", expires)],
    )
    ev = evaluate(facts, POLICY, NOW)
    assert ev.colour == "green"
    assert texts(ev) == [
        "人工调整为绿码：复核为误报，由 李主任 批准，至 2020-02-22 18:00",
        "红码：核酸阳性待复核（2020-02-19 09:30 采样）",
    ]
    assert ev.reasons[0]["public"] == "人工调整为绿码，至 2020-02-22 18:00"
    assert ev.valid_until == expires


def test_expired_override_returns_to_the_derived_colour():
    facts = Facts(
        1,
        active_cases=[CaseFact("C-1", "confirmed")],
        approved_overrides=[_override("green", NOW - datetime.timedelta(seconds=1))],
    )
    ev = evaluate(facts, POLICY, NOW)
    assert (ev.colour, [r["code"] for r in ev.reasons]) == ("red", ["case"])


def test_latest_approved_override_applies():
    newer = _override("yellow", NOW + datetime.timedelta(days=1), approved=NOW)
    older = OverrideFact(4, "red", "旧", "王", NOW - datetime.timedelta(days=1), newer.expires_at)
    ev = evaluate(Facts(1, approved_overrides=[older, newer]), POLICY, NOW)
    assert ev.colour == "yellow"


def test_stored_reasons_render_again_from_their_params():
    ev = evaluate(Facts(1, active_cases=[CaseFact("C-12", "confirmed")]), POLICY, NOW)
    assert render(ev.reasons[0]) == "红码：确诊病例 C-12，治疗/隔离管理中"
    assert timezone.is_aware(NOW)
