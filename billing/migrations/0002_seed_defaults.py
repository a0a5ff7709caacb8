"""Seed the SPEC's plans, module costs and credit packs (translated names),
and open a billing account with its first monthly grant for every workspace
that exists already."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from billing import defaults


def _add_month(moment):
    import calendar

    month_index = moment.month
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    ModuleCost = apps.get_model("billing", "ModuleCost")
    CreditPack = apps.get_model("billing", "CreditPack")
    BillingAccount = apps.get_model("billing", "BillingAccount")
    LedgerEntry = apps.get_model("billing", "LedgerEntry")
    Workspace = apps.get_model("accounts", "Workspace")
    languages = settings.MODELTRANSLATION_LANGUAGES

    for row in defaults.PLANS:
        values = {k: v for k, v in row.items() if k not in ("key", "name", "description")}
        values.update(defaults.translated("name", row["name"], languages))
        values.update(defaults.translated("description", row["description"], languages))
        Plan.objects.get_or_create(key=row["key"], defaults=values)
    for row in defaults.MODULE_COSTS:
        values = {"credits": row["credits"], "description": row["description"]}
        values.update(defaults.translated("label", row["label"], languages))
        ModuleCost.objects.get_or_create(module=row["module"], defaults=values)
    for row in defaults.CREDIT_PACKS:
        values = {k: v for k, v in row.items() if k not in ("key", "name")}
        values.update(defaults.translated("name", row["name"], languages))
        CreditPack.objects.get_or_create(key=row["key"], defaults=values)

    free = Plan.objects.get(is_default=True)
    now = timezone.now()
    for workspace in Workspace.objects.all().iterator():
        if BillingAccount.objects.filter(workspace=workspace).exists():
            continue
        BillingAccount.objects.create(
            workspace=workspace,
            plan=free,
            current_period_start=now,
            current_period_end=_add_month(now),
            plan_credits=free.monthly_credits,
        )
        LedgerEntry.objects.create(
            workspace=workspace,
            kind="grant",
            amount=free.monthly_credits,
            plan_amount=free.monthly_credits,
            purchased_amount=0,
            balance_after=free.monthly_credits,
            plan_balance_after=free.monthly_credits,
            purchased_balance_after=0,
            idempotency_key=f"open:{workspace.pk}",
            metadata={"plan": free.key, "period_start": now.isoformat()},
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
