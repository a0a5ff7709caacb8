"""The getting-started step the CRM owns (see accounts/onboarding.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.onboarding import Step, register
from crm.models import ContactImport, ImportStatus


def _has_imported(workspace) -> bool:
    return ContactImport.objects.filter(workspace=workspace, status=ImportStatus.DONE).exists()


register(
    Step(
        key="import_contacts",
        order=40,
        title=_("Import your contacts"),
        hint=_("Upload a CSV file: duplicates are merged and every rejected line is reported."),
        url_name="crm_imports",
        done=_has_imported,
        permission="crm.change",
    )
)
