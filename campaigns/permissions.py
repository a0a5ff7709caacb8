"""Campaign rules in the permission table.

The defaults apply: `campaigns.view` (viewer) reads campaigns, insights, A/B
results, posts and generations; `campaigns.change` (member) drafts, launches,
pauses, syncs, concludes tests, schedules posts and runs the generators.
Staff may pause a campaign at the provider from the admin."""

from nexusone.permissions import STAFF, Rule, register

register(Rule("campaigns.admin.pause", STAFF, "Pause an ad campaign at the provider (staff)"))
