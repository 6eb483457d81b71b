from django.db import migrations

LEVELS = [("低风险", 1, "#2e7d32"), ("中风险", 2, "#f9a825"), ("高风险", 3, "#c62828")]


def seed(apps, schema_editor):
    RiskLevel = apps.get_model("risk", "RiskLevel")
    for name, rank, colour in LEVELS:
        RiskLevel.objects.get_or_create(rank=rank, defaults={"name": name, "colour": colour})


def unseed(apps, schema_editor):
    RiskLevel = apps.get_model("risk", "RiskLevel")
    RiskLevel.objects.filter(name__in=[name for name, _rank, _colour in LEVELS]).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
