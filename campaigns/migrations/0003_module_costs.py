"""Seed the `ad_inspiration` (5) and `launch_plan` (8) module costs (editable in
the admin) on databases created before they existed."""

from django.conf import settings
from django.db import migrations

from billing import defaults

MODULES = ("ad_inspiration", "launch_plan")


def seed(apps, schema_editor):
    ModuleCost = apps.get_model("billing", "ModuleCost")
    for row in defaults.MODULE_COSTS:
        if row["module"] in MODULES:
            values = {"credits": row["credits"], "description": row["description"]}
            values.update(defaults.translated("label", row["label"], settings.MODELTRANSLATION_LANGUAGES))
            ModuleCost.objects.get_or_create(module=row["module"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_generation_graphevent_refreshreport_socialpost"),
        ("billing", "0002_seed_defaults"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
