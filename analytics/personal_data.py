"""Personal data held by analytics (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding("analytics.UsageEvent", user="user", note="Raw usage; rollups outlive it (retention)."),
    Holding("analytics.MetricRollup", note="Hourly counts; no personal data."),
    Holding("analytics.RollupCursor"),
    Holding("analytics.DailyRollup", note="Daily counts; no personal data."),
    Holding("analytics.RollupSeal", note="Which days are final; no personal data."),
)
