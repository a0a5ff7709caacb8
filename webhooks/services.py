"""Outgoing webhooks: endpoints, the outbox, signed deliveries with retries.

Contract for modules: call `emit(workspace=…, type="contact.created",
data={…})` inside the transaction that made the change. The event row is
the outbox: it commits with the change, deliveries are enqueued after
commit, and the `webhooks_dispatch_due` beat task sends whatever a lost
enqueue or a dead worker left behind (a delivery's lease expires after
`LEASE`), always with the same `webhook-id`. At least once; in order per
endpoint as far as retries allow (a failing event does not hold later ones)."""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.quotas import FEATURE_WEBHOOKS, plan_require
from billing.selectors import plan_includes
from nexusone import outbound
from nexusone.audit import audit_record
from nexusone.errors import NotFound, ProviderError, ValidationFailed
from nexusone.outbound.errors import UnsafeURL
from nexusone.outbound.retry import NO_RETRY
from nexusone.permissions import require
from webhooks import signing
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

EVENT_TYPES = {
    "contact.created": _("A contact was created"),
    "contact.updated": _("A contact was updated"),
    "lead.captured": _("A landing page captured a lead"),
    "message.received": _("A WhatsApp message was received"),
    "broadcast.completed": _("A broadcast finished"),
    "video.completed": _("A video finished rendering"),
    "order.created": _("An order was created"),
    "campaign.launched": _("An ad campaign was launched"),
    "credits.low": _("Credits are running low"),
}
TEST_EVENT = "webhook.test"
TIMEOUT_SECONDS = 10.0
LEASE = timedelta(seconds=60)
ROTATION_OVERLAP = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=5)
# A delivery of a workspace whose plan lost webhooks waits this long between looks.
PLAN_HOLD = timedelta(minutes=15)
# Waits before retry n (seconds): the first within a minute, then growing; the
# schedule spans more than 24 hours before a delivery is given up.
RETRY_SCHEDULE = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)


def retry_delay(attempts: int) -> float | None:
    """Seconds until the next try after `attempts` failed ones (±20 % jitter), or None."""
    if attempts > len(RETRY_SCHEDULE):
        return None
    base = RETRY_SCHEDULE[attempts - 1]
    return base * (0.8 + 0.4 * random.random())


# --- endpoints ---------------------------------------------------------------------


def validate_url(url: str) -> str:
    """SSRF pre-flight, and https unless DEBUG or the host is on an allowed network."""
    try:
        parsed = outbound.ssrf.check_url(url)  # the door's SSRF rules (httpx: imported on first use)
    except UnsafeURL as exc:
        raise ValidationFailed(
            _("This address cannot receive webhooks."),
            code="url_not_allowed",
            details={"url": [_("This address is not allowed (%(reason)s).") % {"reason": exc.reason}]},
        ) from None
    if parsed.scheme != "https" and not settings.DEBUG and not _on_allowed_network(parsed.host):
        raise ValidationFailed(
            _("Webhook URLs must use https."), code="https_required", details={"url": [_("Use an https:// URL.")]}
        )
    return str(parsed)


def _on_allowed_network(host: str) -> bool:
    import ipaddress

    ssrf = outbound.ssrf
    if not ssrf.allowed_networks():
        return False
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a) for a in ssrf.resolve(host, 443)]
        except (OSError, UnsafeURL, ValueError):
            return False
    return bool(addresses) and all(ssrf.is_exempt(a) for a in addresses)


def _validate_events(events) -> list[str]:
    if not isinstance(events, list) or not events:
        raise ValidationFailed(details={"events": [_("Choose at least one event.")]})
    unknown = [e for e in events if e not in EVENT_TYPES and e != "*"]
    if unknown:
        raise ValidationFailed(details={"events": [_("Unknown events: %(names)s") % {"names": ", ".join(unknown)}]})
    return sorted(set(events))


def endpoint_create(*, workspace, user, role: str, data: dict, request=None) -> WebhookEndpoint:
    require("webhooks.manage", role=role)
    plan_require(workspace=workspace, feature=FEATURE_WEBHOOKS)  # SPEC: pro or premium
    endpoint = WebhookEndpoint(
        workspace=workspace,
        url=validate_url(data.get("url", "")),
        events=_validate_events(data.get("events")),
        description=str(data.get("description", ""))[:200],
        enabled=bool(data.get("enabled", True)),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    endpoint.secret = signing.new_secret()
    endpoint.save()
    audit_record(action="webhooks.endpoint.created", request=request, user=user, workspace=workspace, target=endpoint)
    return endpoint


def endpoint_update(*, endpoint: WebhookEndpoint, user, role: str, data: dict, request=None) -> WebhookEndpoint:
    require("webhooks.manage", role=role)
    if "url" in data:
        endpoint.url = validate_url(data["url"])
    if "events" in data:
        endpoint.events = _validate_events(data["events"])
    if "description" in data:
        endpoint.description = str(data["description"])[:200]
    if "enabled" in data:
        endpoint.enabled = bool(data["enabled"])
        if endpoint.enabled:
            endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
    endpoint.save()
    audit_record(action="webhooks.endpoint.updated", request=request, user=user, workspace=endpoint.workspace,
                 target=endpoint)  # fmt: skip
    return endpoint


def endpoint_rotate(*, endpoint: WebhookEndpoint, user, role: str, request=None) -> WebhookEndpoint:
    """A new secret; the old one keeps signing (beside it) for 24 hours."""
    require("webhooks.manage", role=role)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret = signing.new_secret()
    endpoint.save()
    audit_record(action="webhooks.endpoint.rotated", request=request, user=user, workspace=endpoint.workspace,
                 target=endpoint)  # fmt: skip
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint, user, role: str, request=None) -> None:
    require("webhooks.manage", role=role)
    audit_record(action="webhooks.endpoint.deleted", request=request, user=user, workspace=endpoint.workspace,
                 metadata={"url": endpoint.url})  # fmt: skip
    endpoint.delete()


def live_secrets(endpoint: WebhookEndpoint, *, now=None) -> list[str]:
    now = now or timezone.now()
    found = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
        found.append(endpoint.previous_secret)
    return found


# --- the outbox ---------------------------------------------------------------------


def emit(
    *,
    workspace,
    type: str,
    data: dict,
    endpoint: WebhookEndpoint | None = None,
    enqueue: bool = True,
    dedup_key: str = "",
) -> WebhookEvent | None:
    """Record an event for every enabled endpoint subscribed to it (call inside
    the transaction that made the change; sending starts after commit)."""
    targets = [endpoint] if endpoint is not None else _subscribed(workspace, type)
    events = _outbox_rows(workspace=workspace, type=type, items=[(data, dedup_key)], targets=targets)
    if events and enqueue:
        from webhooks import tasks

        workspace_id, event_id = workspace.pk, events[0].pk
        transaction.on_commit(lambda: _enqueue(tasks.deliver_event, workspace_id=workspace_id, event_id=event_id))
    return events[0] if events else None


def emit_many(*, workspace, type: str, items: list[tuple[dict, str]]) -> list[WebhookEvent]:
    """`emit` for many events of one type — `items` of (data, dedup_key), a page
    of a sync — in a bounded number of statements (one endpoint lookup, one
    dedup lookup, one insert of events and one of deliveries) and one task
    after commit that delivers them in order."""
    events = _outbox_rows(workspace=workspace, type=type, items=items, targets=_subscribed(workspace, type))
    if events:
        from webhooks import tasks

        workspace_id, event_ids = workspace.pk, [e.pk for e in events]
        transaction.on_commit(lambda: _enqueue(tasks.deliver_events, workspace_id=workspace_id, event_ids=event_ids))
    return events


def _subscribed(workspace, type_: str) -> list[WebhookEndpoint]:
    return [
        e
        for e in WebhookEndpoint.unscoped.filter(workspace_id=workspace.pk, enabled=True)
        if type_ in e.events or "*" in e.events
    ]


def _outbox_rows(
    *, workspace, type: str, items: list[tuple[dict, str]], targets: list[WebhookEndpoint]
) -> list[WebhookEvent]:
    """The outbox rows (events and their deliveries) for `targets`; an item whose
    dedup key is already recorded (or repeated in `items`) is left out."""
    if type not in EVENT_TYPES and type != TEST_EVENT:
        raise ValueError(f"Unknown webhook event {type!r}; add it to webhooks.services.EVENT_TYPES.")
    if not targets or not items:
        return []
    keys = {key[:100] for _data, key in items if key}
    seen = set(
        WebhookEvent.unscoped.filter(workspace_id=workspace.pk, dedup_key__in=keys).values_list("dedup_key", flat=True)
        if keys
        else ()
    )
    now, events = timezone.now(), []
    for data, key in items:
        key = key[:100]
        if key and key in seen:
            continue
        seen.add(key)
        events.append(
            WebhookEvent(
                workspace_id=workspace.pk,
                message_id=f"msg_{uuid.uuid4().hex}",
                type=type,
                data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
                occurred_at=now,
                dedup_key=key,
            )
        )
    if not events:
        return []
    WebhookEvent.unscoped.bulk_create(events)
    WebhookDelivery.unscoped.bulk_create(
        [
            WebhookDelivery(workspace_id=workspace.pk, endpoint=t, event=event, next_attempt_at=now)
            for event in events
            for t in targets
        ]
    )
    return events


def emit_safely(*, workspace, type: str, data: dict, dedup_key: str = "") -> None:
    """For hooks that must never break their caller."""
    try:
        with transaction.atomic():
            emit(workspace=workspace, type=type, data=data, dedup_key=dedup_key)
    except Exception:
        logger.exception("webhooks: could not record %s", type)


def emit_many_safely(*, workspace, type: str, items: list[tuple[dict, str]]) -> None:
    """`emit_many` for hooks that must never break their caller."""
    try:
        with transaction.atomic():
            emit_many(workspace=workspace, type=type, items=items)
    except Exception:
        logger.exception("webhooks: could not record %s × %s", type, len(items))


def _enqueue(task, **kwargs) -> None:
    try:
        task.delay(**kwargs)
    except Exception:  # the broker is down: the beat dispatcher finds the rows
        logger.warning("webhooks: enqueue failed; the dispatcher will send it", exc_info=True)


# --- delivering ------------------------------------------------------------------------


def body_of(event: WebhookEvent) -> bytes:
    payload = {"type": event.type, "timestamp": event.occurred_at.isoformat(), "data": event.data}
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def _claim(delivery_id: int, *, manual: bool) -> WebhookDelivery | None:
    now = timezone.now()
    rows = WebhookDelivery.unscoped.filter(pk=delivery_id).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )
    if not manual:
        rows = rows.filter(status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING])
    if not rows.update(locked_until=now + LEASE):
        return None
    return WebhookDelivery.unscoped.select_related("endpoint", "event", "workspace").get(pk=delivery_id)


def deliver(delivery_id: int, *, manual: bool = False) -> WebhookDelivery | None:
    """One attempt: sign, POST through the outbound door, record, reschedule."""
    delivery = _claim(delivery_id, manual=manual)
    if delivery is None:
        return None
    endpoint, event = delivery.endpoint, delivery.event
    if not plan_includes(workspace=delivery.workspace, feature=FEATURE_WEBHOOKS):
        # Downgraded below a plan with webhooks: the delivery is held, not lost —
        # no attempt is counted, and the beat looks again later (after an upgrade it goes out).
        WebhookDelivery.unscoped.filter(pk=delivery.pk).update(
            locked_until=None, last_error="plan_required", next_attempt_at=timezone.now() + PLAN_HOLD
        )
        return delivery
    if not endpoint.enabled and not manual:
        WebhookDelivery.unscoped.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.FAILED, last_error="endpoint_disabled", locked_until=None
        )
        return delivery
    body = body_of(event)
    headers = signing.headers(
        live_secrets(endpoint), message_id=event.message_id, timestamp=int(time.time()), body=body
    )
    status_code, excerpt, error = None, "", ""
    started = time.monotonic()
    try:
        answer = outbound.request(
            "POST", endpoint.url, service="webhooks", user_url=True, content=body, headers=headers,
            timeout=TIMEOUT_SECONDS, total_timeout=TIMEOUT_SECONDS, retry=NO_RETRY, follow_redirects=False,
            max_bytes=64 * 1024,
        )  # fmt: skip
        status_code, excerpt = answer.status_code, answer.text[:500]
    except UnsafeURL as exc:
        error = f"url_not_allowed:{exc.reason}"
    except ProviderError as exc:
        error = str(getattr(exc, "code", "") or type(exc).__name__)[:200]
    duration = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    _record(delivery, ok=ok, status_code=status_code, excerpt=excerpt, error=error, duration=duration, manual=manual)
    delivery.refresh_from_db()
    return delivery


def _record(delivery, *, ok: bool, status_code, excerpt: str, error: str, duration: int, manual: bool) -> None:
    now = timezone.now()
    endpoint = delivery.endpoint
    with transaction.atomic():
        WebhookAttempt.unscoped.create(
            workspace_id=delivery.workspace_id, delivery=delivery, status_code=status_code, duration_ms=duration,
            response=excerpt, error=error, manual=manual,
        )  # fmt: skip
        attempts = delivery.attempts + 1
        update = {
            "attempts": attempts, "locked_until": None, "last_status_code": status_code,
            "last_duration_ms": duration, "last_response": excerpt, "last_error": error,
        }  # fmt: skip
        if ok:
            update.update(status=WebhookDelivery.Status.SUCCEEDED, delivered_at=now, next_attempt_at=None)
            WebhookEndpoint.unscoped.filter(pk=endpoint.pk).update(failing_since=None)
        else:
            delay = retry_delay(attempts)
            if delay is None or (manual and delivery.status == WebhookDelivery.Status.SUCCEEDED):
                update.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
            else:
                update.update(status=WebhookDelivery.Status.RETRYING, next_attempt_at=now + timedelta(seconds=delay))
            WebhookEndpoint.unscoped.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
        WebhookDelivery.unscoped.filter(pk=delivery.pk).update(**update)
    if not ok:
        _maybe_disable(endpoint.pk, now=now)


def _maybe_disable(endpoint_id: int, *, now) -> None:
    disabled = WebhookEndpoint.unscoped.filter(
        pk=endpoint_id, enabled=True, failing_since__lte=now - DISABLE_AFTER
    ).update(enabled=False, disabled_at=now, disabled_reason="failing for 5 days")
    if not disabled:
        return
    endpoint = WebhookEndpoint.unscoped.select_related("workspace").get(pk=endpoint_id)
    audit_record(action="webhooks.endpoint.disabled", workspace=endpoint.workspace, target=endpoint)
    try:
        from accounts.models import Role
        from notifications.services import notify

        notify(
            workspace=endpoint.workspace,
            kind="webhook_endpoint_disabled",
            params={"url": endpoint.url},
            link=f"/w/{endpoint.workspace.slug}/webhooks/",
            roles=(Role.OWNER, Role.ADMIN),
            dedup_key=f"webhook_disabled:{endpoint.pk}:{now:%Y%m%d%H%M}",
        )
    except Exception:
        logger.exception("webhooks: could not notify about endpoint %s", endpoint_id)


def deliver_event(event_id: int) -> int:
    return deliver_events([event_id])


def deliver_events(event_ids: list[int]) -> int:
    """The deliveries of these events, event by event in the order given (per endpoint in order)."""
    order = {event_id: position for position, event_id in enumerate(event_ids)}
    due = WebhookDelivery.unscoped.filter(event_id__in=event_ids).values_list("pk", "event_id", "endpoint_id")
    return sum(
        deliver(delivery_id) is not None
        for delivery_id, _event, _endpoint in sorted(due, key=lambda row: (order[row[1]], row[2]))
    )


def dispatch_due(*, now=None, limit: int = 200) -> int:
    """The beat task: every due delivery whose lease is free, oldest first."""
    now = now or timezone.now()
    due = (
        WebhookDelivery.unscoped.filter(
            status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING], next_attempt_at__lte=now
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("endpoint_id", "event_id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk) is not None for pk in list(due))


def redeliver(*, delivery: WebhookDelivery, role: str, user=None, request=None) -> WebhookDelivery:
    require("webhooks.manage", role=role)
    plan_require(workspace=delivery.workspace, feature=FEATURE_WEBHOOKS)
    result = deliver(delivery.pk, manual=True)
    if result is None:
        raise NotFound(_("This delivery is being sent right now."))
    return result


def send_test(*, endpoint: WebhookEndpoint, role: str) -> WebhookDelivery:
    require("webhooks.manage", role=role)
    plan_require(workspace=endpoint.workspace, feature=FEATURE_WEBHOOKS)
    with transaction.atomic():
        event = emit(workspace=endpoint.workspace, type=TEST_EVENT, data={"endpoint_id": endpoint.pk},
                     endpoint=endpoint, enqueue=False)  # fmt: skip
    delivery = WebhookDelivery.unscoped.get(event=event, endpoint=endpoint)
    return deliver(delivery.pk, manual=True) or delivery
