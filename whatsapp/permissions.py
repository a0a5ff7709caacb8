"""WhatsApp's rules in the permission table (nexusone.permissions).

SPEC: admins manage integrations (connecting, changing and removing numbers);
members send, sync templates, answer, and keep bot rules and opt-outs; the
module defaults (`whatsapp.view` / `whatsapp.change`) cover the rest."""

from accounts.models import Role
from nexusone.permissions import STAFF, Rule, register

register(
    Rule("whatsapp.account.connect", Role.ADMIN, "Connect a WhatsApp number"),
    Rule("whatsapp.account.update", Role.ADMIN, "Change a connected number's settings or token"),
    Rule("whatsapp.account.remove", Role.ADMIN, "Remove a connected number"),
    Rule("whatsapp.admin.templates_sync", STAFF, "Sync a number's templates from Meta (staff)"),
    Rule("whatsapp.admin.broadcast_cancel", STAFF, "Cancel a broadcast (staff)"),
    Rule("whatsapp.admin.webhook_reprocess", STAFF, "Process webhook events again (staff)"),
)
