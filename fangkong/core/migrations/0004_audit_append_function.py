"""PostgreSQL: the function that appends one audit entry (``core.audit.append_function_sql``),
used by every single audited write and by a checkpoint's single scan."""

from django.db import migrations

from fangkong.core import audit


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(audit.append_function_sql(), params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {audit.APPEND_FUNCTION}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_lanes"),
    ]

    operations = [
        migrations.RunPython(create_function, drop_function, elidable=False),
    ]
