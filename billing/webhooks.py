"""Stripe webhooks: verify, store once, answer fast, process in a task.

`POST /webhooks/stripe/`:
1. The `Stripe-Signature` header is verified against the raw body with
   STRIPE_WEBHOOK_SECRET (HMAC-SHA256, 300 s tolerance). A missing or wrong
   signature, a changed body or a stale timestamp → 400 and nothing stored.
   Without a configured secret every delivery is refused the same way.
2. The event is stored once per Stripe event id (unique column): a repeated
   delivery, sequential or concurrent, answers 200 and changes nothing.
3. Processing runs in the `stripe_event_process` task after the row is
   committed. It claims the event with a conditional update (one worker at a
   time), applies it through `billing.payments` (idempotent, and reading
   subscription state from Stripe rather than from the event, so delivery
   order does not matter) and records the outcome. Failures are retried with
   backoff, and the `stripe_events_retry` beat task re-enqueues events whose
   task was lost — each event takes effect at least once, and at most once.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import payments
from billing.models import StripeEvent

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300
PROCESSING_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 10

CHECKOUT_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
)
INVOICE_EVENTS = ("invoice.paid", "invoice.payment_failed")


def _refuse(code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": {}}}, status=400)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return _refuse("webhooks_not_configured", "Stripe webhooks are not configured.")
    import stripe  # the SDK's signature check; imported here, not at boot (issue 19, "Cold start")

    try:
        body = request.body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            body, request.headers.get("Stripe-Signature", ""), secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
        event = json.loads(body)
    except (UnicodeDecodeError, stripe.SignatureVerificationError):
        return _refuse("invalid_signature", "The Stripe signature is missing or invalid.")
    except ValueError:
        return _refuse("invalid_payload", "The body is not a Stripe event.")
    if not (
        isinstance(event, dict)
        and str(event.get("id", "")).startswith("evt_")
        and isinstance(event.get("type"), str)
        and isinstance((event.get("data") or {}).get("object"), dict)
    ):
        return _refuse("invalid_payload", "The body is not a Stripe event.")
    _record, created = stripe_event_receive(event=event)
    return JsonResponse({"received": True, "duplicate": not created})


def stripe_event_receive(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event once and enqueue its processing."""
    created_at = event.get("created")
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                stripe_id=event["id"],
                type=event["type"][:100],
                livemode=bool(event.get("livemode")),
                api_version=str(event.get("api_version") or "")[:64],
                stripe_created=datetime.fromtimestamp(int(created_at), tz=UTC) if created_at else None,
                payload=event,
            )
        created = True
    except IntegrityError:  # the same event id again: at most one row, ever
        record = StripeEvent.objects.get(stripe_id=event["id"])
        created = False
    if created or record.status in (StripeEvent.Status.RECEIVED, StripeEvent.Status.FAILED):
        _enqueue(record.pk)
    return record, created


def _enqueue(event_pk: int) -> None:
    from billing.tasks import stripe_event_process

    def send():
        try:
            stripe_event_process.delay(event_pk)
        except Exception:
            # Broker down, or (eager mode) processing failed: the event is
            # stored, and the retry beat task picks it up.
            logger.exception("Could not process Stripe event %s now; it will be retried.", event_pk)

    transaction.on_commit(send)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def stripe_event_process(*, event_pk: int) -> str:
    """Claim one stored event and apply it. Safe to call any number of times,
    concurrently: only one caller holds the claim, and applying is idempotent."""
    now = timezone.now()
    claimed = (
        StripeEvent.objects.filter(pk=event_pk)
        .filter(
            Q(status__in=(StripeEvent.Status.RECEIVED, StripeEvent.Status.FAILED))
            | Q(status=StripeEvent.Status.PROCESSING, locked_until__lt=now)
        )
        .update(status=StripeEvent.Status.PROCESSING, locked_until=now + PROCESSING_LEASE, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    event = StripeEvent.objects.get(pk=event_pk)
    try:
        outcome = _apply(event.payload)
    except Exception as exc:
        StripeEvent.objects.filter(pk=event_pk).update(
            status=StripeEvent.Status.FAILED,
            locked_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + _backoff(event.attempts),
        )
        raise
    ignored = outcome.startswith("ignored")
    StripeEvent.objects.filter(pk=event_pk).update(
        status=StripeEvent.Status.IGNORED if ignored else StripeEvent.Status.PROCESSED,
        outcome=outcome[:255],
        processed_at=timezone.now(),
        locked_until=None,
        last_error="",
    )
    return outcome


def _apply(payload: dict) -> str:
    kind = payload["type"]
    obj = payload["data"]["object"]
    if kind in CHECKOUT_EVENTS:
        return payments.checkout_session_fulfill(session=obj)
    if kind in SUBSCRIPTION_EVENTS:
        return payments.subscription_refresh(subscription_id=obj["id"])
    if kind in INVOICE_EVENTS:
        return payments.invoice_event(invoice=obj, paid=kind == "invoice.paid")
    return f"ignored: {kind}"


def stripe_events_due(*, now=None) -> list[int]:
    """Events whose processing was lost or failed and is due again."""
    now = now or timezone.now()
    due = StripeEvent.objects.filter(
        Q(status=StripeEvent.Status.RECEIVED, received_at__lte=now - timedelta(minutes=2))
        | Q(status=StripeEvent.Status.FAILED, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
        | Q(status=StripeEvent.Status.PROCESSING, locked_until__lt=now)
    )
    return list(due.values_list("pk", flat=True)[:500])
