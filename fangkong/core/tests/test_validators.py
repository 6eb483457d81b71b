import datetime

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from fangkong.core.validators import validate_id_number


def _with_check_digit(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def test_valid_number_gives_birth_date_and_gender():
    number = _with_check_digit("51041119900228001")
    assert validate_id_number(number)[1:] == (datetime.date(1990, 2, 28), "M")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("51041119900230001", "身份证号中的出生日期不存在"),
        ("51041119901301002", "身份证号中的出生日期不存在"),
        ("99999919900101001", "身份证号前 6 位不是有效的行政区划代码"),
    ],
)
def test_impossible_birth_dates_and_regions_are_named(body, message):
    with pytest.raises(ValidationError) as e:
        validate_id_number(_with_check_digit(body))
    assert e.value.messages == [message]


def test_a_baby_born_today_local_time_is_accepted_while_utc_is_still_yesterday(monkeypatch):
    from django.utils import timezone

    # 01:00 in Beijing on 1 June 2030 is 17:00 UTC on 31 May.
    moment = datetime.datetime(2030, 5, 31, 17, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert validate_id_number(_with_check_digit("51041120300601002"))[1] == datetime.date(
        2030, 6, 1
    )
    with pytest.raises(ValidationError) as e:
        validate_id_number(_with_check_digit("51041120300602002"))
    assert e.value.messages == ["身份证号中的出生日期不合理"]


def test_person_names_lose_the_spaces_that_pad_chinese_names():
    from fangkong.core.validators import person_name

    assert person_name(" 张　三 ") == "张三"  # an ideographic space (U+3000)
    assert person_name("李 秀英") == "李秀英"
    assert person_name("阿卜杜拉·买买提") == "阿卜杜拉·买买提"
    assert person_name("John Smith") == "John Smith"
    assert person_name("") == ""
