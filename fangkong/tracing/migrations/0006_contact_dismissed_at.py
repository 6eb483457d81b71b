"""When a contact was dismissed (排除), so that a past day's 密接 figures count it as it stood
then. Contacts dismissed before this field existed take their last change as that time, the
best the rows know (the audit log has the exact step)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Contact = apps.get_model("tracing", "Contact")
    Contact.objects.filter(state="dismissed", dismissed_at__isnull=True).update(
        dismissed_at=models.F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tracing", "0005_case_voiding"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="dismissed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="排除时间"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
