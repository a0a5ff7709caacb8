"""The banner: a workspace's admins see, on every page of the workspace,
which connections lost their access (expired, revoked or broken) until
someone reconnects or disconnects them."""

from __future__ import annotations

from integrations.models import Connection, Status

ATTENTION = (Status.EXPIRED, Status.REVOKED, Status.ERROR)


def attention(request) -> dict:
    workspace = getattr(request, "workspace", None)
    role = getattr(request, "workspace_role", None)
    if workspace is None or role not in ("owner", "admin"):
        return {}
    rows = Connection.unscoped.filter(workspace=workspace, status__in=ATTENTION).only("provider", "status")
    return {"integrations_attention": list(rows)}
