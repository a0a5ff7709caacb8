"""Billing's rules in the permission table (nexusone.permissions).

SPEC: owners make billing changes; staff adjust credits and plans in the admin."""

from accounts.models import Role
from nexusone.permissions import STAFF, Rule, register

register(
    Rule("billing.plan.change", Role.OWNER, "Subscribe to, upgrade or leave a paid plan"),
    Rule("billing.credits.buy", Role.OWNER, "Buy a credit pack"),
    Rule("billing.portal.open", Role.OWNER, "Open the payment provider's customer portal"),
    Rule("billing.credits.adjust", STAFF, "Adjust a workspace's credits (staff)"),
    Rule("billing.plan.assign", STAFF, "Move a workspace to a plan without payment (staff)"),
    Rule("billing.stripe_event.reprocess", STAFF, "Process a Stripe event again (staff)"),
)
