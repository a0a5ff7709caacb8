"""The notification center's rules in the permission table (nexusone.permissions).

Notifications are personal: every member (viewer and up) reads and marks
their own and chooses their own e-mails; which kinds reach the workspace's
Slack is a workspace setting (admins)."""

from accounts.models import Role
from nexusone.permissions import Rule, register

register(
    Rule("notifications.view", Role.VIEWER, "Read one's own notifications"),
    Rule("notifications.read", Role.VIEWER, "Mark one's own notifications read"),
    Rule("notifications.preferences.email", Role.VIEWER, "Choose which notifications one gets by e-mail"),
    Rule("notifications.preferences.slack", Role.ADMIN, "Choose which notifications go to the workspace's Slack"),
)
