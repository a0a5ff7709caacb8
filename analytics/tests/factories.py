from __future__ import annotations

from datetime import datetime

from analytics.models import UsageEvent


def usage_event(workspace, *, module="content", credits=5, success=True, at: datetime | None = None, **extra):
    event = UsageEvent.unscoped.create(
        workspace=workspace, module=module, credits=credits, success=success, processing_ms=12, **extra
    )
    if at is not None:  # created_at is auto_now_add: move it afterwards
        UsageEvent.unscoped.filter(pk=event.pk).update(created_at=at)
        event.refresh_from_db()
    return event


TENANT_FACTORIES = {UsageEvent: lambda workspace: usage_event(workspace)}
