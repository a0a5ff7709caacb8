"""Personal data held by campaigns (see nexusone/personal_data.py): campaigns,
posts and generations name their author; a lead-ad webhook event points at the
contact it created (erased with the contact); ad copy and figures are the
workspace's, not a person's."""

from nexusone.personal_data import Holding, register

register(
    Holding("campaigns.Campaign", not_personal=("name",), user="created_by"),
    Holding("campaigns.AdVariant", not_personal=("description",)),
    Holding("campaigns.AdInsight"),
    Holding("campaigns.InsightRun"),  # a report request and Meta's answer about it
    Holding("campaigns.GraphEvent", personal=("payload",), contact="contact", contact_erase="delete"),
    Holding("campaigns.SocialPost", not_personal=("text",), user="created_by"),
    Holding("campaigns.Generation", user="created_by"),
    Holding("campaigns.RefreshReport"),
)
