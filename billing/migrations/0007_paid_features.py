"""SPEC: API keys and outgoing webhooks need pro or premium. Add the feature
keys the checks read (`billing.quotas.plan_require`) to the seeded paid plans,
leaving plans staff created or edited otherwise alone."""

from django.db import migrations

PAID_FEATURES = ("api_keys", "webhooks")


def add(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in Plan.objects.filter(key__in=("pro", "premium")):
        features = list(plan.features or [])
        missing = [key for key in PAID_FEATURES if key not in features]
        if missing:
            plan.features = features + missing
            plan.save(update_fields=["features"])


def remove(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in Plan.objects.filter(key__in=("pro", "premium")):
        plan.features = [key for key in plan.features or [] if key not in PAID_FEATURES]
        plan.save(update_fields=["features"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_free_allowance")]

    operations = [migrations.RunPython(add, remove)]
