from __future__ import annotations

from datetime import UTC, datetime

from analytics.models import MetricRollup, UsageEvent


def usage_event(workspace, *, module="content", credits=5, success=True, at: datetime | None = None, **extra):
    event = UsageEvent.unscoped.create(
        workspace=workspace, module=module, credits=credits, success=success, processing_ms=12, **extra
    )
    if at is not None:  # created_at is auto_now_add: move it afterwards
        UsageEvent.unscoped.filter(pk=event.pk).update(created_at=at)
        event.refresh_from_db()
    return event


def rollup(workspace, *, hour: datetime, module: str = "content", metric: str = "credits", value: int = 5,
           dimension: str = "") -> MetricRollup:  # fmt: skip
    return MetricRollup.unscoped.create(
        workspace=workspace, hour=hour, module=module, metric=metric, value=value, dimension=dimension
    )


TENANT_FACTORIES = {
    UsageEvent: lambda workspace: usage_event(workspace),
    MetricRollup: lambda workspace: rollup(workspace, hour=datetime(2026, 1, 5, 10, tzinfo=UTC)),
}
