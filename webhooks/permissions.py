"""The webhooks rules in the permission table (nexusone.permissions).

Endpoints receive the workspace's events (contacts, leads, messages), so
only admins and owners see or manage them."""

from accounts.models import Role
from nexusone.permissions import Rule, register

register(
    Rule("webhooks.view", Role.ADMIN, "See webhook endpoints and their deliveries"),
    Rule("webhooks.manage", Role.ADMIN, "Create, change, rotate, test and delete webhook endpoints; redeliver"),
)
