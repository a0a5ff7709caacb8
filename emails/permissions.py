"""E-mail's rules in the permission table (nexusone.permissions).

Viewers read campaigns, reports, senders and suppressions; members write,
test and send campaigns and re-check a sender's DNS; admins add and remove
senders (the addresses the workspace speaks as) and lift or add
suppressions by hand."""

from accounts.models import Role
from nexusone.permissions import STAFF, Rule, register

register(
    Rule("emails.view", Role.VIEWER, "Read e-mail campaigns, reports, senders and suppressions"),
    Rule("emails.change", Role.MEMBER, "Write, test and send e-mail campaigns"),
    Rule("emails.sender.manage", Role.ADMIN, "Add and remove e-mail senders"),
    Rule("emails.suppression.manage", Role.ADMIN, "Add or lift suppressed addresses by hand"),
    Rule("emails.admin.campaign_cancel", STAFF, "Cancel an e-mail campaign (staff)"),
    Rule("emails.admin.sender_verify", STAFF, "Check a sender's DNS records again (staff)"),
)
