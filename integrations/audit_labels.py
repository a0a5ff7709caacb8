"""Human labels of the integrations audit actions (shown to workspace owners)."""

from django.utils.translation import gettext_lazy as _

from nexusone.audit import register_action_labels

register_action_labels(
    {
        "integrations.connection.connected": _("Integration connected"),
        "integrations.connection.settings_changed": _("Integration settings changed"),
        "integrations.connection.disconnected": _("Integration disconnected"),
        "integrations.connection.status_changed": _("Integration status changed"),
        "integrations.oauth.started": _("Integration connection started"),
        "integrations.oauth.failed": _("Integration connection failed"),
    }
)
