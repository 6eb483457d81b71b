"""The kept coverage recounted by the rule that a conclusive visit settles a household for
good: the counts kept until now dropped a household again when a later visit found nobody
home or was refused (a drive's figures went down after more work)."""

from django.db import migrations

from fangkong.screening import coverage


def recount(apps, schema_editor):
    visits = apps.get_model("screening", "Visit")
    if schema_editor.connection.vendor == "postgresql":  # no visit written meanwhile
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {visits._meta.db_table} IN SHARE MODE")
    coverage.rebuild_steps(visits, apps.get_model("screening", "CoverageCount"))


class Migration(migrations.Migration):

    dependencies = [
        ("screening", "0006_visit_outcome_vacant"),
    ]

    # Back to 0006, the counts stay as recounted here: the code of then needs
    # ``coverage.rebuild()`` run again (its rule keeps other counts).
    operations = [migrations.RunPython(recount, migrations.RunPython.noop, elidable=False)]
