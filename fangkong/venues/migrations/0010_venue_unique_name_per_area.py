"""A venue's name unique within its area, as every other place named within an area (the
import's natural key). On SQLite Django adds the constraint by copying the table; the
triggers on and around it (the area day counts' move, the kept area paths) are put back
(``KeepingTriggers``)."""

from django.db import migrations, models
from django.db.models import Count

from fangkong.core.triggers import KeepingTriggers


def rename_repeated_names(apps, schema_editor):
    """Before the constraint: a name repeated within an area (two saves that raced) keeps its
    first venue; each later one is told apart by its own scan code, which staff can rename."""
    Venue = apps.get_model("venues", "Venue")
    repeated = Venue.objects.values("area_id", "name").annotate(n=Count("id")).filter(n__gt=1)
    for group in repeated:
        later = Venue.objects.filter(area_id=group["area_id"], name=group["name"]).order_by("id")[
            1:
        ]
        for venue in later:
            suffix = f"（{venue.code}）"
            venue.name = venue.name[: 100 - len(suffix)] + suffix
            venue.save()  # its search keys follow the name


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("venues", "0009_scan_indexes_for_former_visitors"),
    ]

    operations = [
        migrations.RunPython(rename_repeated_names, migrations.RunPython.noop),
        KeepingTriggers(
            "venues_venue",
            [
                migrations.AddConstraint(
                    model_name="venue",
                    constraint=models.UniqueConstraint(
                        fields=("area", "name"), name="venue_unique_name_per_area"
                    ),
                ),
            ],
        ),
    ]
