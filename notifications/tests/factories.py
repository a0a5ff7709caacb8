from __future__ import annotations

from accounts.models import Membership
from notifications.models import Notification, SlackPreference


def notification(workspace, *, recipient=None, kind="import_finished", title="Import of “leads.csv” finished", **extra):
    if recipient is None:
        recipient = Membership.objects.filter(workspace=workspace).order_by("created_at").first().user
    return Notification.unscoped.create(
        workspace=workspace, recipient=recipient, kind=kind, title=title, body=extra.pop("body", "Body text here"),
        **extra,
    )  # fmt: skip


TENANT_FACTORIES = {
    Notification: lambda workspace: notification(workspace),
    SlackPreference: lambda workspace: SlackPreference.unscoped.create(
        workspace=workspace, kind="credits_low", enabled=False
    ),
}
