"""Personal data held by integrations (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding(
        "integrations.Connection",
        secret=("api_key", "access_token", "refresh_token"),
        user="connected_by",
        note="Revoked at the provider and deleted when the workspace is deleted; secrets are never exported.",
    ),
    Holding("integrations.OAuthState", secret=("state_hash",), user="user", user_erase="delete"),
)
