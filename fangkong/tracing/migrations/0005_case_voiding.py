"""A case recorded in error can be voided (撤销): its status, when and why.

On SQLite Django adds a column with a default by copying the table; the triggers kept on it
(``core.kept_area``, the status counts) are put back (``KeepingTriggers``)."""

from django.db import migrations, models

from fangkong.core.triggers import KeepingTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("tracing", "0004_contact_list_order"),
    ]

    operations = [
        KeepingTriggers(
            "tracing_case",
            [
                migrations.AddField(
                    model_name="case",
                    name="void_reason",
                    field=models.CharField(
                        blank=True, db_default="", max_length=300, verbose_name="撤销原因"
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="case",
            name="voided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="撤销时间"),
        ),
        migrations.AlterField(
            model_name="case",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "治疗/隔离中"),
                    ("recovered", "已治愈"),
                    ("discharged", "已出院"),
                    ("voided", "已撤销"),
                ],
                default="active",
                max_length=16,
                verbose_name="状态",
            ),
        ),
    ]
