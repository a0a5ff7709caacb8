"""Analytics rules in the permission table (the module defaults cover the
dashboard and usage reads)."""

from accounts.models import Role
from nexusone.permissions import Rule, register

register(
    Rule("analytics.events.report", Role.VIEWER, "Report what one did in the client (usage tracker; no credits)"),
)
