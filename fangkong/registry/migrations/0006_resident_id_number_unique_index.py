"""A resident's ID number index unique through a named (partial) index instead of the
column's UNIQUE, so that a first import into an empty table can set it aside and build it
once at the end (``core.importing.indexes``). No NULL repeats in a unique index: the keys
it holds, and refuses, are the same.

On SQLite Django drops the column's UNIQUE by copying the table; the triggers other apps
keep on it are put back (``KeepingTriggers``)."""

from django.db import migrations, models

import fangkong.core.personal
from fangkong.core.triggers import KeepingTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_resident_household_partial_index"),
    ]

    operations = [
        KeepingTriggers(
            "registry_resident",
            [
                migrations.AlterField(
                    model_name="resident",
                    name="id_number_index",
                    field=fangkong.core.personal.BlindIndexField(
                        db_index=False, purpose="id", source="id_number", transform=""
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.UniqueConstraint(
                condition=models.Q(id_number_index__isnull=False),
                fields=("id_number_index",),
                name="resident_id_number",
            ),
        ),
    ]
