"""Campaign rules in the permission table.

The defaults apply: `campaigns.view` (viewer) reads campaigns, insights and
A/B results; `campaigns.change` (member) drafts, launches, pauses, syncs and
schedules posts."""
