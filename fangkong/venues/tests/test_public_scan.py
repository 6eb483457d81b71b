"""The public scan service: status decides, unknown people and fevers are refused, 限流."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.personal import index_value
from fangkong.venues import selectors, services
from fangkong.venues.models import Scan


def test_green_person_is_admitted_and_the_visit_recorded(market, green):
    adm = services.record_public_scan(
        venue_code=market.code, name="李青青", id_number=green.id_number, temperature="36.5"
    )
    assert (adm.admitted, adm.colour, adm.reasons) == (True, "green", [])
    assert adm.occupancy == 1
    scan = Scan.objects.get()
    assert (scan.resident_id, scan.venue_id, scan.source, scan.admitted) == (
        green.pk,
        market.pk,
        "public",
        True,
    )
    assert str(scan.temperature) == "36.5"
    assert scan.id_number == "" and scan.id_number_index is None
    entry = AuditEntry.objects.filter(object_type="venues.scan").get()
    assert entry.object_id == str(scan.uuid)
    assert "李青青" not in entry.object_repr and "李*青" in entry.object_repr


def test_red_person_is_refused_with_the_public_reason(market, red):
    adm = services.record_public_scan(
        venue_code=market.code, name="欧阳明月", phone=red.phone, temperature="36.6"
    )
    assert (adm.admitted, adm.colour) == (False, "red")
    assert adm.reasons == ["红码：感染者，治疗/隔离管理中"]
    assert adm.occupancy == 0
    assert Scan.objects.get().admitted is False


def test_name_must_match_the_id_number(market, green):
    adm = services.record_public_scan(
        venue_code=market.code, name="王五", id_number=green.id_number, temperature="36.5"
    )
    assert (adm.admitted, adm.colour) == (False, "unknown")
    scan = Scan.objects.get()
    assert scan.resident_id is None


def test_unregistered_visitor_is_recorded_encrypted_and_refused(market):
    from fangkong.core.testing.factories import make_id_number

    number = make_id_number()
    adm = services.record_public_scan(
        venue_code=market.code, name="过路人", id_number=number, temperature="36.5"
    )
    assert adm.admitted is False
    assert adm.colour == "unknown"
    assert "未在本系统查到您的登记信息" in adm.reasons[0]
    scan = Scan.objects.get()
    assert scan.visitor_name == "过路人"
    assert scan.id_number == number  # decrypted on read
    assert scan.id_number_index == index_value(number, kind="id_number", purpose="id")
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM venues_scan")
        stored = cur.fetchone()[0]
    assert number not in stored


def test_full_width_temperature_from_a_phone_keyboard_is_read(market, green):
    adm = services.record_public_scan(
        venue_code=market.code, name="李青青", id_number=green.id_number, temperature="３６．５"
    )
    assert adm.admitted is True
    assert str(Scan.objects.get().temperature) == "36.5"
    with pytest.raises(ValidationError) as e:
        services.record_public_scan(
            venue_code=market.code, name="李青青", id_number=green.id_number, temperature="NaN"
        )
    assert e.value.message_dict == {"temperature": ["体温应填写数字，如 36.5"]}


def test_a_decimal_comma_or_a_forgotten_point_is_read_as_the_temperature_meant(market, green):
    """A guard in the cold types 36,5 (the keypad's only separator) or 365 (the point
    forgotten): both were refused and the person held at the door; 36.5 is what they mean.
    Three digits out of 340–430 stay refused."""
    for typed in ("36,5", "365", "３６，５", " 372 "):
        services.record_public_scan(
            venue_code=market.code, name="李青青", id_number=green.id_number, temperature=typed
        )
    temps = sorted(str(t) for t in Scan.objects.values_list("temperature", flat=True))
    assert temps == ["36.5", "36.5", "36.5", "37.2"]
    for bad in ("999", "3650", "36,5,1"):
        with pytest.raises(ValidationError) as e:
            services.record_public_scan(
                venue_code=market.code, name="李青青", id_number=green.id_number, temperature=bad
            )
        assert "temperature" in e.value.message_dict
    assert Scan.objects.count() == 4


def test_fever_is_refused(market, green):
    adm = services.record_public_scan(
        venue_code=market.code, name="李青青", id_number=green.id_number, temperature="37.8"
    )
    assert adm.admitted is False
    assert adm.reasons == ["体温 37.8℃ 异常，请配合工作人员复测"]


def test_flow_limit_refuses_entry_until_someone_leaves(market, green, areas):
    from fangkong.status.services import recompute_status
    from fangkong.status.testing import make_resident

    others = [make_resident(areas["grid_a"], name=n) for n in ("赵一", "钱二")]
    recompute_status([o.pk for o in others], cause="测试")
    for o in others:
        assert services.record_public_scan(
            venue_code=market.code, name=o.name, id_number=o.id_number, temperature="36.4"
        ).admitted
    assert selectors.occupancy(market) == 2
    full = services.record_public_scan(
        venue_code=market.code, name="李青青", id_number=green.id_number, temperature="36.5"
    )
    assert (full.admitted, full.at_limit, full.occupancy) == (False, True, 2)
    assert full.reasons == ["限流：场所内已有 2 人，已达上限 2 人，请稍候再进"]
    out = services.record_public_scan(
        venue_code=market.code, name="赵一", id_number=others[0].id_number, direction="out"
    )
    assert out.admitted and out.occupancy == 1
    again = services.record_public_scan(
        venue_code=market.code, name="李青青", id_number=green.id_number, temperature="36.5"
    )
    assert again.admitted and again.occupancy == 2
    assert Scan.objects.filter(venue=market).count() == 5


def test_bad_input_gets_chinese_field_errors_and_writes_nothing(market):
    with pytest.raises(ValidationError) as e:
        services.record_public_scan(venue_code=market.code, name="张三", id_number="12345")
    assert e.value.message_dict["id_number"] == ["身份证号应为 18 位，当前为 5 位"]
    with pytest.raises(ValidationError) as e:
        services.record_public_scan(venue_code=market.code, name="张三", phone="13800001111")
    assert e.value.message_dict == {"temperature": ["本场所须测温，请填写体温"]}
    with pytest.raises(ValidationError) as e:
        services.record_public_scan(venue_code=market.code, name="张三", temperature="36.5")
    assert e.value.message_dict == {"id_number": ["请填写身份证号或手机号"]}
    with pytest.raises(ValidationError) as e:
        services.record_public_scan(venue_code="nope", name="张三", phone="13800001111")
    assert e.value.messages == ["场所码无效或已停用"]
    assert Scan.objects.count() == 0


def test_a_person_takes_one_place_however_often_they_scan(market, green, areas):
    from fangkong.status.clock import local_date, start_of_day
    from fangkong.status.services import recompute_status
    from fangkong.status.testing import make_resident

    other = make_resident(areas["grid_a"], name="赵一")
    recompute_status([other.pk], cause="测试")
    base = start_of_day(local_date(timezone.now())) + datetime.timedelta(hours=10)

    def scan(person, minute, direction="in"):
        return services.record_public_scan(
            venue_code=market.code,
            name=person.name,
            id_number=person.id_number,
            temperature="36.5",
            direction=direction,
            now=base + datetime.timedelta(minutes=minute),
        )

    assert scan(green, 0).occupancy == 1
    assert (scan(green, 1).admitted, scan(green, 2).occupancy) == (True, 1)  # reloaded page
    assert scan(other, 3).occupancy == 2  # the market's limit
    inside_again = scan(green, 4)  # already inside: no second place, so no 限流
    assert (inside_again.admitted, inside_again.at_limit, inside_again.occupancy) == (
        True,
        False,
        2,
    )
    assert scan(green, 5, "out").occupancy == 1
    assert scan(green, 6, "out").occupancy == 1  # an exit scanned twice takes nobody else out
    assert selectors.occupancy(market, now=base + datetime.timedelta(minutes=7)) == 1
    assert scan(green, 8).occupancy == 2  # back in after leaving
    assert Scan.objects.filter(venue=market).count() == 8  # every scan kept for tracing
