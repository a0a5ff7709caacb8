"""Personal data held by notifications (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding("notifications.Notification", personal=("title", "body"), user="recipient", user_erase="delete"),
    Holding("notifications.EmailPreference", not_personal=("email",), user="user", user_erase="delete"),
    Holding("notifications.SlackPreference"),
)
