"""What every CRM service shares: the module's price key, the audit labels, the scope check."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy

from crm.models import CustomFieldDefinition
from nexusone.audit import register_action_labels
from nexusone.errors import ApplicationError
from nexusone.tenancy import get_active_workspace

logger = logging.getLogger(__name__)

CRM_MODULE = "crm"

register_action_labels(
    {
        "crm.contacts.imported": gettext_lazy("Contacts imported"),
        "crm.contacts.import_started": gettext_lazy("Contact import started"),
        "crm.contacts.exported": gettext_lazy("Contacts exported"),
        "crm.contacts.merged": gettext_lazy("Contacts merged"),
        "crm.contact.deleted": gettext_lazy("Contact deleted"),
    }
)


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code = "payload_too_large"
    default_message = gettext_lazy("The file is too large.")


def _require_scope(workspace) -> None:
    active = get_active_workspace()
    if active is None or active.pk != workspace.pk:
        raise AssertionError("CRM services run inside the scope of the workspace they act on.")


def _definitions() -> dict[str, CustomFieldDefinition]:
    return {definition.key: definition for definition in CustomFieldDefinition.objects.all()}
