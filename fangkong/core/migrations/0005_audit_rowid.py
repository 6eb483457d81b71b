"""SQLite: the audit log's ``id`` becomes the table's rowid and its ``changes`` lose the
``JSON_VALID`` check (``RowIdField``, ``ChangesField``). One copy of the table, in its
column order (two ``AlterField`` would copy it twice and move the columns); PostgreSQL's
columns are unchanged."""

import fangkong.core.models.audit
from django.db import migrations

COLUMNS = (
    '"timestamp" datetime NOT NULL, "actor_id" bigint NULL, "actor_name" varchar(150) NOT NULL, '
    '"action" varchar(16) NOT NULL, "object_type" varchar(100) NOT NULL, '
    '"object_id" varchar(64) NOT NULL, "object_repr" varchar(200) NOT NULL, '
    '"area_path" varchar(255) NOT NULL, "changes" text NOT NULL{check}, "reason" text NOT NULL, '
    '"prev_hash" varchar(64) NOT NULL, "hash" varchar(64) NOT NULL, '
    '"lane" smallint unsigned NULL CHECK ("lane" >= 0)'
)
NAMES = (
    '"id", "timestamp", "actor_id", "actor_name", "action", "object_type", "object_id", '
    '"object_repr", "area_path", "changes", "reason", "prev_hash", "hash", "lane"'
)
INDEXES = (
    'CREATE INDEX "core_auditentry_timestamp_468821f4" ON "core_auditentry" ("timestamp")',
    'CREATE INDEX "core_auditentry_object_type_fca61eb3" ON "core_auditentry" ("object_type")',
    'CREATE INDEX "core_auditentry_object_id_bb227230" ON "core_auditentry" ("object_id")',
    'CREATE INDEX "core_auditentry_area_path_df21776d" ON "core_auditentry" ("area_path")',
)


def _remake(id_type: str, check: str):
    def remake(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for sql in (
            f'CREATE TABLE "new__core_auditentry" ("id" {id_type} NOT NULL PRIMARY KEY, '
            f"{COLUMNS.format(check=check)})",
            f'INSERT INTO "new__core_auditentry" ({NAMES}) SELECT {NAMES} FROM "core_auditentry"',
            'DROP TABLE "core_auditentry"',
            'ALTER TABLE "new__core_auditentry" RENAME TO "core_auditentry"',
            *INDEXES,
        ):
            schema_editor.execute(sql, params=None)

    return remake


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_append_function"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="changes",
                    field=fangkong.core.models.audit.ChangesField(
                        blank=True, default=dict, verbose_name="变更内容"
                    ),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="id",
                    field=fangkong.core.models.audit.RowIdField(primary_key=True, serialize=False),
                ),
            ],
            database_operations=[
                migrations.RunPython(
                    _remake("integer", ""),
                    _remake("bigint", ' CHECK ((JSON_VALID("changes") OR "changes" IS NULL))'),
                    elidable=False,
                ),
            ],
        ),
    ]
