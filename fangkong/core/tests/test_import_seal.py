"""``ModelWriter.seal`` (the function compiled per model) gives exactly the insert values and
audit ``changes`` text of the generic converters it replaces."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection, models
from django.utils import timezone

from fangkong.core.importing.writer import ModelWriter
from fangkong.registry.models import Household, Resident


def _writer(model) -> ModelWriter:
    w = ModelWriter(model, connection=connection, now=timezone.now())
    # Ciphertexts are random: a deterministic stand-in makes the two paths comparable.
    w._encrypt = lambda v: f"enc<{v}>" if v else ("" if v is None else v)
    w._insert_convs = [w._converter(f) for f in w.fields]
    return w


def _resident_fields(rng: random.Random) -> dict:
    full = {
        "area": rng.randrange(1, 50),
        "name": rng.choice(["張三豐", "李四", "王 五", "欧阳娜娜", 'quote"\\back', "\u2028x"]),
        "id_number": rng.choice(["510402199001011234", "51040219900101123X"]),
        "gender": rng.choice(["M", "F"]),
        "birth_date": datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000)),
        "phone": rng.choice(["13800001234", "", None, "028-12345678"]),
        "address": rng.choice(["海棠花语小区1栋", "", None]),
        "category": rng.choice(["permanent", "returnee"]),
        "origin": "湖北省武汉市",
        "arrival_date": rng.choice([datetime.date(2020, 2, 14), None]),
        "tags": ",party,",
        "notes": rng.choice(["", "备注\n第二行", None]),
        "household": rng.choice([None, 7]),
        "id_number_index": "0" * 32,  # the natural key, precomputed by the engine
    }
    return {k: v for k, v in full.items() if k in ("area", "name") or rng.random() < 0.8}


@pytest.mark.parametrize("model", [Resident, Household])
def test_compiled_seal_equals_the_generic_converters(db, model):
    rng = random.Random(5)
    w = _writer(model)
    for _ in range(300):
        if model is Resident:
            fields = _resident_fields(rng)
        else:
            fields = {"area": rng.randrange(1, 9), "number": f"{rng.randrange(99)}-1"}
            if rng.random() < 0.5:
                fields["address"] = rng.choice(["一栋", "", None])
        assert w.seal(dict(fields)) == w._seal_generic(dict(fields)), fields
    sealed = w.seal({"area": 1, "name": "张三"} if model is Resident else {"area": 1})
    head, tail = sealed[2], sealed[3]
    assert head.startswith("{") and head.endswith('"id":') and tail.endswith("}")


@pytest.mark.django_db
def test_a_field_with_only_a_database_default_gets_its_literal():
    # The writer names every column, so a row leaving out a db_default-only field stores
    # that default, not Django's ``DatabaseDefault`` marker (which no driver can bind).
    from fangkong.tracing.models import Contact

    w = _writer(Contact)
    position = [f.name for f in w.fields].index("state_note")
    fields = {"resident": 1, "case": 1, "degree": "close", "state": "suspected"}
    assert w.insert_row(dict(fields))[position] == ""
    assert w.seal(dict(fields))[1][position] == ""


def test_a_computed_database_default_is_refused_when_the_writer_is_built():
    from django.db.models.functions import Now

    from fangkong.core.importing.writer import _static_default

    with pytest.raises(TypeError, match="literal db_default"):
        _static_default(models.DateTimeField(db_default=Now()))
