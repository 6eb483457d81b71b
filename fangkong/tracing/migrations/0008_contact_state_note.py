"""A contact's 核实说明 (``state_note``): the words of the latest confirm or dismiss, which until
now overwrote 判定依据 (``reason``, why the person was named a contact).

Contacts already decided get both back from the audit log, which holds every change of the
field: 判定依据 is the value before its first change, 核实说明 the last decision's words
(empty while the contact is to verify again). The rows are corrected in place, without new
audit entries: the log already records what each value was and when.

On SQLite Django adds a column with a default by copying the table; the triggers kept on it
(``core.kept_area``) are put back (``KeepingTriggers``)."""

from django.db import migrations, models

from fangkong.core.triggers import KeepingTriggers


def recover(apps, schema_editor):
    Contact = apps.get_model("tracing", "Contact")
    AuditEntry = apps.get_model("core", "AuditEntry")
    entries = (
        AuditEntry.objects.filter(object_type="tracing.contact", action="update")
        .order_by("timestamp", "id")
        .values_list("object_id", "changes")
    )
    basis: dict[str, str] = {}
    note: dict[str, str] = {}
    for object_id, changes in entries.iterator(chunk_size=2000):
        changes = changes or {}
        if "reason" in changes:
            basis.setdefault(object_id, changes["reason"][0] or "")
        if "state" in changes:
            state = changes["state"][1]
            text = changes["reason"][1] if "reason" in changes else ""
            note[object_id] = "" if state == "suspected" else (text or "")
    ids = sorted({int(i) for i in basis} | {int(i) for i in note if note[i]})
    for start in range(0, len(ids), 500):
        for contact in Contact.objects.filter(pk__in=ids[start : start + 500]):
            key = str(contact.pk)
            fields = []
            if key in basis:
                contact.reason = basis[key]
                fields.append("reason")
            if note.get(key) and contact.state != "suspected":
                contact.state_note = note[key]
                fields.append("state_note")
            contact.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_audit_rowid"),
        ("tracing", "0007_exposure_export_personal"),
    ]

    operations = [
        KeepingTriggers(
            "tracing_contact",
            [
                migrations.AddField(
                    model_name="contact",
                    name="state_note",
                    field=models.TextField(blank=True, db_default="", verbose_name="核实说明"),
                ),
            ],
        ),
        migrations.RunPython(recover, migrations.RunPython.noop, elidable=True),
    ]
