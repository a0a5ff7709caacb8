"""Personal data held by notifications (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding(
        "notifications.Notification",
        personal=("title", "body"),
        user="recipient",
        user_erase="delete",
        # What was sent to the person and when; the texts describe the
        # workspace's events (and may name other people), so they stay out.
        user_fields=("id", "workspace_id", "kind", "level", "language", "created_at", "read_at", "emailed_at"),
    ),
    Holding(
        "notifications.EmailPreference",
        not_personal=("email",),
        user="user",
        user_erase="delete",
        user_fields=("kind", "email", "updated_at"),
    ),
    Holding("notifications.SlackPreference"),
)
