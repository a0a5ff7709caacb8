"""AI agents' rules in the permission table (nexusone.permissions).

Viewers read agents and conversations (`agents.view`); members build agents,
add knowledge, chat in the playground, answer and release conversations
(`agents.change`); deleting an agent or connecting it to a WhatsApp number
is an admin's job, like the other integrations."""

from accounts.models import Role
from nexusone.permissions import STAFF, Rule, register

register(
    Rule("agents.agent.delete", Role.ADMIN, "Delete an AI agent"),
    Rule("agents.admin.reindex", STAFF, "Rebuild an agent's search index (staff)"),
)
