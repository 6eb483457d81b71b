"""Venues 0010 on a table where two saves that raced left one name twice in an area, with
the triggers of other apps on and around it (on SQLite Django copies the table to add the
constraint)."""

import pytest
from django.db import IntegrityError, transaction

from fangkong.core.testing.migrations import migrate, migrate_to_latest, trigger_definitions
from fangkong.venues.choices import VenueKind
from fangkong.venues.models import Venue


@pytest.mark.django_db(transaction=True)
def test_a_repeated_name_is_told_apart_by_its_code_before_the_constraint(areas):
    grid_a, grid_b = areas["grid_a"], areas["grid_b"]
    long_name = "农" * 100
    triggers = trigger_definitions()
    assert any("venue" in name for name in triggers)
    try:
        migrate([("venues", "0009_scan_indexes_for_former_visitors")])
        made = [
            Venue.objects.create(area=area, name=name, kind=VenueKind.MARKET)
            for area, name in (
                (grid_a, "老街农贸市场"),
                (grid_a, "老街农贸市场"),
                (grid_a, "老街农贸市场"),
                (grid_b, "老街农贸市场"),  # another area: not a repeat
                (grid_a, long_name),
                (grid_a, long_name),
            )
        ]
    finally:
        migrate_to_latest()
    assert trigger_definitions() == triggers
    names = {v.pk: v.name for v in Venue.objects.all()}
    first, second, third, other, long_first, long_second = made
    assert names[first.pk] == names[other.pk] == "老街农贸市场"
    assert names[second.pk] == f"老街农贸市场（{second.code}）"
    assert names[third.pk] == f"老街农贸市场（{third.code}）"
    assert names[long_first.pk] == long_name
    assert len(names[long_second.pk]) == 100
    assert names[long_second.pk].endswith(f"（{long_second.code}）")
    # Its search keys follow the new name.
    assert Venue.objects.get(pk=second.pk).name_norm != Venue.objects.get(pk=first.pk).name_norm
    with pytest.raises(IntegrityError), transaction.atomic():
        Venue.objects.create(area=grid_a, name="老街农贸市场", kind=VenueKind.MARKET)
