"""The privacy rules in the permission table (nexusone.permissions).

Exports hold every row of the workspace, so only owners and admins start
them or receive their links; deleting the workspace is the owner's alone;
data-subject requests about a contact (export, erase) are admins' work.
None of these is open to API keys except the contact export and erase,
which a customer's own systems (a DSAR tool) may automate."""

from accounts.models import Role
from nexusone.permissions import STAFF, Rule, register

register(
    Rule("privacy.view", Role.ADMIN, "See the privacy settings"),
    Rule("privacy.export.create", Role.ADMIN, "Export the whole workspace", api_keys=False),
    Rule("privacy.export.view", Role.ADMIN, "See the workspace export and download it", api_keys=False),
    Rule("privacy.workspace.delete", Role.OWNER, "Delete the workspace (7-day grace period)", api_keys=False),
    Rule("privacy.retention.change", Role.ADMIN, "Change the retention settings"),
    Rule("privacy.contact.export", Role.ADMIN, "Export everything about a contact"),
    Rule("privacy.contact.erase", Role.ADMIN, "Erase a contact from every module"),
    Rule("privacy.deletion.purge", STAFF, "Purge a deleted workspace now from the admin"),
)
