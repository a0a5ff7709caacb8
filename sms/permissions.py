"""SMS rules in the permission table: viewers read, members write and send."""

from accounts.models import Role
from nexusone.permissions import STAFF, Rule, register

register(
    Rule("sms.view", Role.VIEWER, "Read SMS campaigns and messages"),
    Rule("sms.change", Role.MEMBER, "Write and send SMS campaigns"),
    Rule("sms.admin.campaign_cancel", STAFF, "Cancel an SMS campaign (staff)"),
)
