"""A resident's household indexed only where it is set (``resident_household``).

The foreign key's own index is replaced by SQL on the database side: on SQLite Django would
change ``db_index`` by remaking the table, which would drop the triggers other apps keep on
it (``core.kept_area``, the status colour counts)."""

import django.db.models.deletion
from django.db import migrations, models

OLD_INDEX = "registry_resident_household_id_45f6612b"


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_resident_list_order"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="resident",
                    name="household",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="members",
                        to="registry.household",
                        verbose_name="户",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{OLD_INDEX}"',
                    reverse_sql=(
                        f'CREATE INDEX "{OLD_INDEX}" ON "registry_resident" ("household_id")'
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(
                condition=models.Q(household__isnull=False),
                fields=["household"],
                name="resident_household",
            ),
        ),
    ]
