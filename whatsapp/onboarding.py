"""The getting-started step WhatsApp owns (see accounts/onboarding.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.onboarding import Step, register
from whatsapp.models import WhatsAppAccount


def _has_account(workspace) -> bool:
    return WhatsAppAccount.objects.filter(workspace=workspace).exists()


register(
    Step(
        key="whatsapp",
        order=50,
        title=_("Connect WhatsApp"),
        hint=_("Connect your business number to send broadcasts and answer customers."),
        url_name="whatsapp_accounts",
        done=_has_account,
        permission="whatsapp.account.connect",
    )
)
