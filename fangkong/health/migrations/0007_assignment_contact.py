"""An assignment's 来源接触者: the case's contact a quarantine was arranged for (转隔离), so a
voided case's quarantines can be found and reviewed. Assignments made before have none.

On SQLite Django adds a foreign key by copying the table; the triggers kept on it
(``core.kept_area``) are put back (``KeepingTriggers``)."""

import django.db.models.deletion
from django.db import migrations, models

from fangkong.core.triggers import KeepingTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0006_checkin_source_paired"),
        ("tracing", "0008_contact_state_note"),
    ]

    operations = [
        KeepingTriggers(
            "health_assignment",
            [
                migrations.AddField(
                    model_name="assignment",
                    name="contact",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assignments",
                        to="tracing.contact",
                        verbose_name="来源接触者",
                    ),
                ),
            ],
        ),
    ]
