import base64
import re
import unicodedata

import pytest
from django.db import connection

from fangkong.core import crypto
from fangkong.core.personal import index_value, mask, normalize_id_number, normalize_phone
from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services
from fangkong.registry.models import Resident


def test_encrypt_round_trip_uses_fresh_nonces(settings):
    a, b = crypto.encrypt("13800001234"), crypto.encrypt("13800001234")
    assert a != b
    assert crypto.decrypt(a) == crypto.decrypt(b) == "13800001234"


def test_bulk_encryptor_round_trips_with_a_new_nonce_per_value():
    encrypt = crypto.encryptor(pool=3)  # the pool refills twice over seven values
    tokens = [encrypt(f"1380000{i:04d}") for i in range(7)]
    assert [crypto.decrypt(t) for t in tokens] == [f"1380000{i:04d}" for i in range(7)]
    nonces = {base64.b64decode(t.partition("$")[2])[:12] for t in tokens}
    assert len(nonces) == 7
    assert (encrypt(""), encrypt(None)) == ("", None)


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("id_number", "510402199001011234", "510402********1234"),
        ("phone", "13800001234", "138****1234"),
        ("name", "张三", "张*"),
        ("name", "欧阳娜娜", "欧**娜"),
        ("address", "仁和区海棠花语小区1栋", "仁和区****"),
        ("id_number", "", ""),
    ],
)
def test_masks(kind, value, masked):
    assert mask(kind, value) == masked


def test_personal_fields_are_ciphertext_in_the_database(users, areas):
    number = make_id_number()
    r = services.create_resident(
        actor=users["grid_a"],
        data={
            "area": areas["grid_a"],
            "name": "李四",
            "id_number": number,
            "phone": "13900001111",
            "address": "海棠花语小区3栋",
        },
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, address, id_number_index FROM registry_resident "
            "WHERE id = %s",
            [r.pk],
        )
        stored = cur.fetchone()
    assert number not in stored[0] and "13900001111" not in stored[1]
    assert "海棠" not in stored[2]
    assert stored[3] == index_value(number, kind="id_number", purpose="id")
    loaded = Resident.objects.get(pk=r.pk)
    assert (loaded.id_number, loaded.phone, loaded.address) == (
        number,
        "13900001111",
        "海棠花语小区3栋",
    )


def test_blind_index_normalises_before_hashing():
    full_width = "１３９００００１１１１"
    assert index_value(full_width, kind="phone", purpose="phone") == index_value(
        "13900001111", kind="phone", purpose="phone"
    )
    assert index_value("+86 139-0000-1111", kind="phone", purpose="phone") == index_value(
        "13900001111", kind="phone", purpose="phone"
    )
    assert index_value("51040219900101123x", kind="id_number", purpose="id") == index_value(
        "51040219900101123X", kind="id_number", purpose="id"
    )


def test_encrypted_field_refuses_value_lookups(db):
    with pytest.raises(Exception, match="Unsupported lookup"):
        list(Resident.objects.filter(phone="13900001111"))


@pytest.mark.parametrize(
    "value",
    [
        "51041119900101123x",
        "51041119900101123X",
        " 510411 19900101 1234 ",
        "５１０４１１１９９００１０１１２３Ｘ",
        "8613800001234",
        "13800001234",
        "+86 138-0000-1234",
        "028-8765 4321",
        "",
        "abc",
        "٣٤٥",  # non-ASCII digits take the NFKC path
    ],
)
def test_normalisers_fast_path_gives_what_the_full_rule_gives(value):
    def id_rule(v):
        return unicodedata.normalize("NFKC", v).strip().replace(" ", "").upper()

    def phone_rule(v):
        digits = re.sub(r"[^\d]", "", unicodedata.normalize("NFKC", v))
        return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits

    assert normalize_id_number(value) == id_rule(value)
    assert normalize_phone(value) == phone_rule(value)
