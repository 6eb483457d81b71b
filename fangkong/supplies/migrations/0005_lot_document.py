"""A lot remembers the delivery note (入库单号) it was received on; a note's line (its
warehouse, number and item) is received once."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("supplies", "0004_donation_voiding"),
    ]

    operations = [
        migrations.AddField(
            model_name="lot",
            name="document",
            field=models.CharField(blank=True, default="", max_length=50, verbose_name="入库单号"),
        ),
        migrations.AddConstraint(
            model_name="lot",
            constraint=models.UniqueConstraint(
                condition=models.Q(("document", ""), _negated=True),
                fields=("document", "warehouse", "item"),
                name="lot_unique_document_line",
            ),
        ),
    ]
