"""A donation recorded in error can be voided (撤销): when and why.

On SQLite Django adds a column with a default by copying the table; any trigger kept on or
around it is put back (``KeepingTriggers``)."""

from django.db import migrations, models

from fangkong.core.triggers import KeepingTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("supplies", "0003_entered_unit_choices"),
    ]

    operations = [
        KeepingTriggers(
            "supplies_donation",
            [
                migrations.AddField(
                    model_name="donation",
                    name="void_reason",
                    field=models.CharField(
                        blank=True, db_default="", max_length=300, verbose_name="撤销原因"
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="donation",
            name="voided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="撤销时间"),
        ),
    ]
