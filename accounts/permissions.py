"""Accounts' rules in the permission table (nexusone.permissions).

SPEC: admins manage members and invitations; owners delete the workspace
(privacy's `privacy.workspace.delete`, the one deletion path, with its grace period).
Keys act for machines, so they never manage keys, people or profiles."""

from accounts.models import Role
from nexusone.permissions import STAFF, Rule, register

register(
    Rule("accounts.workspace.create", Role.VIEWER, "Create another workspace (the creator owns it)", api_keys=False),
    Rule("accounts.workspace.rename", Role.ADMIN, "Rename the workspace"),
    Rule(
        "accounts.workspace.change",
        Role.ADMIN,
        "Change the workspace's settings (name, region, time zone, language, currency, logo, brand colour)",
    ),
    Rule("accounts.onboarding.dismiss", Role.MEMBER, "Hide or show the getting-started checklist"),
    Rule("accounts.audit.view", Role.OWNER, "Read the audit log"),
    Rule("accounts.member.change_role", Role.ADMIN, "Change a member's role", api_keys=False),
    Rule("accounts.member.remove", Role.ADMIN, "Remove someone else from the workspace", api_keys=False),
    Rule("accounts.member.leave", Role.VIEWER, "Leave the workspace", api_keys=False),
    Rule("accounts.invitation.view", Role.ADMIN, "See pending invitations", api_keys=False),
    Rule("accounts.invitation.create", Role.ADMIN, "Invite people", api_keys=False),
    Rule("accounts.invitation.revoke", Role.ADMIN, "Revoke an invitation", api_keys=False),
    Rule("accounts.api_key.view", Role.ADMIN, "See the workspace's API keys", api_keys=False),
    Rule("accounts.api_key.create", Role.ADMIN, "Create an API key", api_keys=False),
    Rule("accounts.api_key.revoke", Role.ADMIN, "Revoke an API key", api_keys=False),
    Rule("accounts.profile.change", Role.VIEWER, "Change one's own profile", api_keys=False),
    Rule("accounts.workspace.suspend", STAFF, "Suspend or reinstate a workspace (staff)"),
)
