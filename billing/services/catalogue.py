"""The catalogue: the SPEC's plans, module costs and credit packs, and the default plan."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from billing import defaults
from billing.models import CreditPack, ModuleCost, Plan


def plans_ensure_defaults() -> None:
    """Create the SPEC's plans, module costs and credit packs that are missing.

    Idempotent and never overwrites rows staff have edited. The data migration
    seeds production; tests (run without migrations) and fresh databases get
    the same rows from here."""
    languages = settings.MODELTRANSLATION_LANGUAGES
    with transaction.atomic():
        has_default = Plan.objects.filter(is_default=True).exists()
        for row in defaults.PLANS:
            values = {k: v for k, v in row.items() if k not in ("key", "name", "description")}
            values["is_default"] = row["is_default"] and not has_default
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


def plan_default() -> Plan:
    """The plan new workspaces start on and lapsed ones fall back to."""
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        plans_ensure_defaults()
        plan = Plan.objects.get(is_default=True)
    return plan
