"""The `crm` cost applies to contacts members create or import; leads that
arrive by themselves (page forms, inbound messages, lead ads) are free.
Rewrite the seeded wording where staff have not changed it."""

from django.db import migrations

OLD = {"description": "each new lead (contact) created", "label_en": "CRM leads", "label_he": "לידים ב-CRM"}
NEW = {
    "description": "each new contact a member creates or imports (leads from pages, messages and ads are free)",
    "label_en": "CRM contacts",
    "label_he": "אנשי קשר ב-CRM",
}


def reword(apps, schema_editor):
    ModuleCost = apps.get_model("billing", "ModuleCost")
    field_names = {field.name for field in ModuleCost._meta.get_fields()}
    for name, old in OLD.items():
        if name in field_names:
            ModuleCost.objects.filter(module="crm", **{name: old}).update(**{name: NEW[name]})


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_charge_owner_and_partial_refunds")]
    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
