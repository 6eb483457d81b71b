"""``lock_rows`` and ``lock_named``: what a read-then-write rule holds until its commit."""

import pytest
from django.db import connection, transaction

from fangkong.areas.models import Area
from fangkong.core.services import lock_named, lock_rows


@pytest.mark.django_db(transaction=True)
def test_a_named_lock_is_only_taken_inside_a_transaction():
    with pytest.raises(transaction.TransactionManagementError):
        lock_named("volunteers.dispatch")  # in autocommit it would be let go at once
    with transaction.atomic():
        lock_named("volunteers.dispatch")
        lock_rows(Area, [])  # nothing to lock: no query


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_both_locks_hold_until_the_commit_and_let_references_through(areas, pg_sessions):
    other = pg_sessions(autocommit=True)
    city = areas["city"]
    with transaction.atomic():
        lock_named("import:registry.resident")
        lock_rows(Area, [city.pk, areas["street"].pk])
        held = other.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext('import:registry.resident'))"
        ).fetchone()[0]
        assert held is False
        other.execute("SET lock_timeout = '200ms'")
        with pytest.raises(Exception, match="lock timeout"):
            other.execute("SELECT 1 FROM areas_area WHERE id = %s FOR NO KEY UPDATE", [city.pk])
        # A row referencing the locked one (FOR KEY SHARE) is not held up.
        other.execute("SELECT 1 FROM areas_area WHERE id = %s FOR KEY SHARE", [city.pk])
    assert connection.in_atomic_block is False
    assert other.execute(
        "SELECT pg_try_advisory_xact_lock(hashtext('import:registry.resident'))"
    ).fetchone()[0]
