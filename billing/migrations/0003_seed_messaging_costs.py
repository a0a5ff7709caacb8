"""Seed the `email_send` and `sms_send` module costs (e-mail and SMS
campaigns) on databases that ran 0002 before they existed. Existing rows
(edited by staff) are left alone."""

from django.conf import settings
from django.db import migrations

from billing import defaults

MODULES = ("email_send", "sms_send")


def seed(apps, schema_editor):
    ModuleCost = apps.get_model("billing", "ModuleCost")
    languages = settings.MODELTRANSLATION_LANGUAGES
    for row in defaults.MODULE_COSTS:
        if row["module"] not in MODULES:
            continue
        values = {"credits": row["credits"], "description": row["description"]}
        values.update(defaults.translated("label", row["label"], languages))
        ModuleCost.objects.get_or_create(module=row["module"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_seed_defaults")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
