"""Billing jobs. Tasks take ids, call one service and are safe to run twice."""

from __future__ import annotations

from billing import charging, services, webhooks
from nexusone.errors import ProviderError
from nexusone.jobs import shared_task


@shared_task(bind=True, max_retries=8, acks_late=True)
def stripe_event_process(self, event_pk: int) -> str:
    """Apply one stored Stripe event; Stripe API failures retry with backoff."""
    try:
        return webhooks.stripe_event_process(event_pk=event_pk)
    except ProviderError as exc:
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc


@shared_task
def stripe_events_retry() -> int:
    """Re-enqueue events whose processing was lost or is due for a retry."""
    due = webhooks.stripe_events_due()
    for event_pk in due:
        stripe_event_process.delay(event_pk)
    return len(due)


@shared_task
def billing_periods_tick() -> dict:
    """Renew monthly credits of workspaces not renewed by Stripe (the free plan)
    and downgrade past_due workspaces whose grace period ended."""
    return services.billing_periods_tick()


@shared_task
def charges_release_stale() -> int:
    """Refund reservations whose worker died (hold expired)."""
    return charging.charges_release_stale()
