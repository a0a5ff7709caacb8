"""Personal data held by campaigns (see nexusone/personal_data.py): campaigns
name their author; ad copy and figures are the workspace's, not a person's."""

from nexusone.personal_data import Holding, register

register(
    Holding("campaigns.Campaign", not_personal=("name",), user="created_by"),
    Holding("campaigns.AdVariant", not_personal=("description",)),
    Holding("campaigns.AdInsight"),
)
