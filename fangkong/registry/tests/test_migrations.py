"""Registry 0006 on a table holding rows, with the triggers of other apps on and around it
(on SQLite Django copies the table to drop the column's UNIQUE)."""

import pytest
from django.db import IntegrityError, connection, transaction

from fangkong.core.testing.factories import make_residents
from fangkong.core.testing.migrations import migrate, migrate_to_latest, trigger_definitions
from fangkong.registry.models import Resident

BEFORE = [("registry", "0005_resident_household_partial_index")]


def _key_indexes() -> dict[str, dict]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, Resident._meta.db_table)
    return {n: c for n, c in found.items() if c["columns"] == ["id_number_index"]}


@pytest.mark.django_db(transaction=True)
def test_the_id_number_index_is_replaced_under_rows_and_triggers(users, areas):
    residents = make_residents(users["community"], areas["grid_a"], 3)
    triggers = trigger_definitions()
    if connection.vendor == "sqlite":  # another table's trigger, reading residents
        assert "health_assignment_area_insert" in triggers
    try:
        migrate(BEFORE)
        assert trigger_definitions() == triggers
        assert any(c["unique"] for c in _key_indexes().values())  # the column's UNIQUE
        assert "resident_id_number" not in _key_indexes()
    finally:
        migrate_to_latest()  # 0006 forwards, and what depends on it
    assert trigger_definitions() == triggers
    assert Resident.objects.count() == 3
    found = _key_indexes()
    assert list(found) == ["resident_id_number"]
    assert found["resident_id_number"]["unique"] and found["resident_id_number"]["index"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.filter(pk=residents[1].pk).update(
            id_number_index=residents[0].id_number_index
        )
    assert Resident.objects.filter(id_number_index=residents[0].id_number_index).count() == 1
