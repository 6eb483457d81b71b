"""Several audit chains on PostgreSQL (``core.audit.PG_LANES``): each entry names its chain,
ids come from a sequence, and every chain has its tip. SQLite keeps its one chain."""

from django.db import migrations, models

from fangkong.core import audit


def lanes_forward(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cur:
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {audit.ID_SEQUENCE} AS bigint")
        # The next id follows the newest entry (entries so far were numbered by the tip).
        cur.execute(
            f"SELECT setval('{audit.ID_SEQUENCE}', "
            "GREATEST((SELECT max(id) FROM core_auditentry), "
            "(SELECT max(last_id) FROM core_audithead), 1), "
            "(SELECT count(*) > 0 FROM core_auditentry))"
        )
        cur.execute(audit.ensure_head_sql(conn.vendor))


def lanes_backward(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cur:
        cur.execute(f"DROP SEQUENCE IF EXISTS {audit.ID_SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_generation"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="lane",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(lanes_forward, lanes_backward, elidable=False),
    ]
