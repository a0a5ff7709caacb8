"""The integrations rules in the permission table (nexusone.permissions).

Every member role sees which providers are connected (never a secret);
connecting, replacing a key, picking defaults, checking and disconnecting
need an admin or the owner (SPEC: admins manage integrations). Starting an
OAuth connection needs a person: the provider sends the browser back to the
user who started it."""

from accounts.models import Role
from nexusone.permissions import STAFF, Rule, register

register(
    Rule("integrations.view", Role.VIEWER, "See the workspace's integrations"),
    Rule("integrations.change", Role.MEMBER, "Use the workspace's integrations"),
    Rule("integrations.manage", Role.ADMIN, "Connect, replace, check, configure or disconnect an integration"),
    Rule("integrations.oauth.connect", Role.ADMIN, "Start an OAuth connection (Meta, Shopify, TikTok)", api_keys=False),
    Rule("integrations.connection.check", STAFF, "Check workspaces' connections from the admin"),
)
