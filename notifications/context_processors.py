"""The bell: unread notifications of the signed-in member, on every page."""

from __future__ import annotations

from notifications.models import Notification


def bell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        # A page outside any workspace: the bell leads to the personal (else first) workspace.
        from accounts.selectors import user_memberships

        membership = user_memberships(user=user).order_by("-workspace__is_personal", "created_at").first()
        workspace = membership.workspace if membership else None
    if workspace is None:
        return {}
    # Recipient and workspace are both given: the (workspace, recipient) partial index answers it.
    unread = Notification.unscoped.filter(workspace=workspace, recipient=user, read_at__isnull=True).count()
    return {"bell_workspace": workspace, "bell_unread": unread}
