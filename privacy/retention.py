"""Retention: old rows go (or lose their text) in bounded, idempotent batches.

Per-workspace periods live in `RetentionPolicy` (defaults: SPEC's safe ones);
the `privacy_retention_run` beat task applies every rule once per run, at
most `BATCH` rows per rule and workspace group, and records the counts in
the audit log. Rollups (analytics) outlive the raw usage events by design.
Deleted workspaces are purged by `privacy.services.purge_due` (7 days)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone

from nexusone.audit import audit_record
from privacy.models import RetentionPolicy

BATCH = 5000
WEBHOOK_LOG_DAYS = 30  # logs that belong to no workspace (Stripe's events)


@dataclass(frozen=True)
class Rule:
    name: str
    model: str
    date_field: str
    policy_field: str
    # None: delete the rows; else the fields → values that strip their content.
    strip: dict | None = None
    extra: Callable[[], Q] | None = None


RULES = (
    Rule("usage_events", "analytics.UsageEvent", "created_at", "usage_events_days"),
    Rule("webhook_attempts", "webhooks.WebhookAttempt", "created_at", "webhook_logs_days"),
    Rule(
        "webhook_events",
        "webhooks.WebhookEvent",
        "created_at",
        "webhook_logs_days",
        extra=lambda: ~Q(deliveries__status__in=["pending", "retrying"]),
    ),
    Rule("whatsapp_webhook_events", "whatsapp.WebhookEvent", "received_at", "webhook_logs_days"),
    Rule("shopify_webhook_events", "commerce.ShopifyEvent", "received_at", "webhook_logs_days"),
    Rule(
        "whatsapp_bodies",
        "whatsapp.Message",
        "created_at",
        "whatsapp_bodies_days",
        strip={"body": "", "payload": None},
        extra=lambda: ~Q(body="") | Q(payload__isnull=False),
    ),
)


def policy_for(workspace) -> RetentionPolicy:
    return RetentionPolicy.unscoped.filter(workspace_id=workspace.pk).first() or RetentionPolicy(workspace=workspace)


def _apply(rule: Rule, *, cutoff, scope: Q) -> Counter:
    """Apply one rule to one batch; the counts per workspace id (None: no workspace)."""
    try:
        model: type[models.Model] = apps.get_model(rule.model)
    except LookupError:
        return Counter()
    manager = getattr(model, "unscoped", None) or model._base_manager
    rows = manager.filter(scope, **{f"{rule.date_field}__lt": cutoff})
    if rule.extra is not None:
        rows = rows.filter(rule.extra())
    has_workspace = any(f.name == "workspace" for f in model._meta.concrete_fields)
    columns = ("pk", "workspace_id") if has_workspace else ("pk",)
    picked = list(rows.order_by(rule.date_field).values_list(*columns).distinct()[:BATCH])
    if not picked:
        return Counter()
    pks = [row[0] for row in picked]
    if rule.strip is None:
        manager.filter(pk__in=pks).delete()
    else:
        manager.filter(pk__in=pks).update(**rule.strip)
    return Counter(row[1] if has_workspace else None for row in picked)


def run(*, now=None) -> dict[str, int]:
    """One pass of every rule: custom policies per workspace, defaults for the rest."""
    now = now or timezone.now()
    defaults = RetentionPolicy()
    policies = list(RetentionPolicy.unscoped.all())
    custom = [p.workspace_id for p in policies]
    totals: dict[str, int] = {}
    per_workspace: dict[int, dict[str, int]] = {}
    for rule in RULES:
        groups = [(Q(workspace_id__isnull=False) & ~Q(workspace_id__in=custom), defaults)]
        groups += [(Q(workspace_id=p.workspace_id), p) for p in policies]
        for scope, policy in groups:
            cutoff = now - timedelta(days=getattr(policy, rule.policy_field))
            for workspace_id, count in _apply(rule, cutoff=cutoff, scope=scope).items():
                totals[rule.name] = totals.get(rule.name, 0) + count
                counts = per_workspace.setdefault(workspace_id, {})
                counts[rule.name] = counts.get(rule.name, 0) + count
    stripe = sum(
        _apply(
            Rule("stripe_events", "billing.StripeEvent", "received_at", "webhook_logs_days"),
            cutoff=now - timedelta(days=WEBHOOK_LOG_DAYS),
            scope=Q(processed_at__isnull=False),
        ).values()
    )
    if stripe:
        totals["stripe_events"] = stripe
    from accounts.models import Workspace

    for workspace in Workspace.objects.filter(pk__in=list(per_workspace)):
        audit_record(
            action="privacy.retention.applied", workspace=workspace, metadata={"counts": per_workspace[workspace.pk]}
        )
    if stripe:
        audit_record(action="privacy.retention.applied", metadata={"counts": {"stripe_events": stripe}})
    return totals


def policy_update(*, workspace, role: str, data: dict, user=None, request=None) -> RetentionPolicy:
    from nexusone.errors import ValidationFailed
    from nexusone.permissions import require

    require("privacy.retention.change", role=role)
    policy = RetentionPolicy.unscoped.get_or_create(workspace=workspace)[0]
    errors = {}
    for field, (low, high) in LIMITS.items():
        if field not in data:
            continue
        try:
            value = int(data[field])
        except (TypeError, ValueError):
            value = -1
        if not low <= value <= high:
            errors[field] = [f"{low}–{high}"]
        else:
            setattr(policy, field, value)
    if errors:
        raise ValidationFailed(details=errors)
    policy.save()
    audit_record(action="privacy.retention.changed", request=request, user=user, workspace=workspace,
                 metadata={f: getattr(policy, f) for f in LIMITS})  # fmt: skip
    return policy


# Accepted ranges (days): short enough to matter, long enough not to break a module.
LIMITS = {
    "usage_events_days": (30, 3650),
    "webhook_logs_days": (1, 365),
    "whatsapp_bodies_days": (1, 3650),
    "agent_transcripts_days": (1, 3650),
}
