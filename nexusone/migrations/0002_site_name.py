from django.conf import settings
from django.db import migrations


def name_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": "NexusOne"})


class Migration(migrations.Migration):
    dependencies = [("platform", "0001_initial"), ("sites", "0002_alter_domain_unique")]
    operations = [migrations.RunPython(name_site, migrations.RunPython.noop)]
