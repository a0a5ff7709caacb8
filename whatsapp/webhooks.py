"""`/webhooks/whatsapp/` — Meta's webhook: verify, deduplicate, hand off.

- `GET` (subscription handshake): `hub.mode=subscribe` and `hub.verify_token`
  equal to WHATSAPP_VERIFY_TOKEN (constant-time) → 200 with exactly
  `hub.challenge` as a text/plain body; anything else → 403.
- `POST`: `X-Hub-Signature-256` must be `sha256=` + the hex HMAC-SHA256 of the
  **raw body bytes** keyed by WHATSAPP_APP_SECRET (constant-time compare;
  Meta signs the exact bytes it sends, so payloads with emoji or escaped
  Unicode verify as long as nothing re-encodes them). Missing, wrong, or no
  secret configured → 403 and nothing stored.
- A valid delivery is split into events — one per inbound message
  (`msg:<wamid>`), per status (`status:<wamid>:<status>`), per template
  update — and each is stored once (unique key) in `WebhookEvent`, mapped to
  its workspace through the phone number id (`WhatsAppAccount.unscoped`: the
  webhook *defines* the tenant). The answer (200) does not wait for
  processing: a task per workspace processes the new events inside that
  workspace's scope, after commit.
- Processing is idempotent per event; an event that fails or cannot be matched
  yet (a status racing its own send) stays pending and the beat relay retries
  it (up to 5 attempts).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from nexusone import graph_webhooks
from whatsapp.models import SANDBOX_PREFIX, Message, WebhookEvent, WhatsAppAccount
from whatsapp.services.statuses import message_transition

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
STATUS_MAP = {
    "sent": Message.Status.SENT,
    "delivered": Message.Status.DELIVERED,
    "read": Message.Status.READ,
    "failed": Message.Status.FAILED,
}


@csrf_exempt
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    return graph_webhooks.serve(
        request,
        name="whatsapp",
        verify_token=settings.WHATSAPP_VERIFY_TOKEN,
        app_secret=settings.WHATSAPP_APP_SECRET,
        handle=_ingest,
    )


def _ingest(payload: dict) -> HttpResponse:
    ingest_payload(payload)
    return HttpResponse("OK", content_type="text/plain")


# --- storing ----------------------------------------------------------------------------


def _events(payload: dict):
    """(key, kind, phone_number_id, waba_id, data) for every notification in a delivery."""
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        waba_id = str(entry.get("id", ""))
        for change in entry.get("changes") or []:
            if not isinstance(change, dict):
                continue
            field, value = change.get("field"), change.get("value") or {}
            if not isinstance(value, dict):
                continue
            if field == "message_template_status_update":
                digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:32]
                yield f"tpl:{waba_id}:{digest}", "template", "", waba_id, value
                continue
            if field != "messages":
                continue
            metadata = value.get("metadata") or {}
            phone_number_id = str(metadata.get("phone_number_id", ""))
            for message in value.get("messages") or []:
                if isinstance(message, dict) and message.get("id"):
                    data = {"message": message, "contacts": value.get("contacts") or [], "metadata": metadata}
                    yield f"msg:{message['id']}"[:255], "message", phone_number_id, waba_id, data
            for status in value.get("statuses") or []:
                if isinstance(status, dict) and status.get("id") and status.get("status"):
                    yield f"status:{status['id']}:{status['status']}"[:255], "status", phone_number_id, waba_id, status
            for error in value.get("errors") or []:
                digest = hashlib.sha256(json.dumps(error, sort_keys=True).encode()).hexdigest()[:32]
                yield f"error:{phone_number_id}:{digest}", "error", phone_number_id, waba_id, error


def ingest_payload(payload: dict) -> int:
    """Store each notification once and enqueue its processing; returns how
    many events are pending for processing."""
    events = list(_events(payload))
    if not events:
        return 0
    numbers = {e[2] for e in events if e[2]}
    wabas = {e[3] for e in events if e[1] == "template"}
    # Only numbers whose token proved them (or sandbox ids, which Meta never
    # sends) receive anything: a token-less row naming a real number gets nothing.
    routable = WhatsAppAccount.unscoped.filter(Q(phone_number_id__startswith=SANDBOX_PREFIX) | ~Q(access_token=""))
    by_number = {a.phone_number_id: a for a in routable.filter(phone_number_id__in=numbers)}
    by_waba = {}
    for account in routable.filter(waba_id__in=wabas).order_by("pk"):
        by_waba.setdefault(account.waba_id, account)
    now = timezone.now()
    rows = []
    for key, kind, phone_number_id, waba_id, data in events:
        account = by_waba.get(waba_id) if kind == "template" else by_number.get(phone_number_id)
        rows.append(
            WebhookEvent(
                key=key,
                kind=kind,
                phone_number_id=phone_number_id,
                workspace_id=account.workspace_id if account else None,
                account=account,
                payload=data,
                processed_at=None if account else now,
                outcome="" if account else "unknown_number",
            )
        )
    with transaction.atomic():
        WebhookEvent.unscoped.bulk_create(rows, ignore_conflicts=True)
        pending = list(
            WebhookEvent.unscoped.filter(key__in=[row.key for row in rows], processed_at__isnull=True).values_list(
                "pk", "workspace_id"
            )
        )
        enqueue_processing(pending)
    return len(pending)


def enqueue_processing(pending: list[tuple[int, int]]) -> None:
    from whatsapp.tasks import enqueue, webhook_events_process_task

    by_workspace: dict[int, list[int]] = defaultdict(list)
    for pk, workspace_id in pending:
        if workspace_id:
            by_workspace[workspace_id].append(pk)
    for workspace_id, ids in by_workspace.items():
        enqueue(webhook_events_process_task, workspace_id=workspace_id, event_ids=ids)


# --- processing (inside the workspace scope) ---------------------------------------------


def _timestamp(value) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return timezone.now()


def status_apply(*, status: dict) -> tuple[str, int | None]:
    """Apply one status notification. Returns (outcome, batch id to settle)."""
    new = STATUS_MAP.get(str(status.get("status")))
    if new is None:
        return "ignored", None
    wamid = str(status.get("id", ""))
    fields = ("pk", "status", "broadcast_id", "batch_id", "wamid")
    row = Message.objects.filter(wamid=wamid).values(*fields).first()
    if row is None:
        from whatsapp.services.sending import CALLBACK_PREFIX

        callback = str(status.get("biz_opaque_callback_data") or "")
        if callback.startswith(CALLBACK_PREFIX) and callback[len(CALLBACK_PREFIX) :].isdigit():
            row = Message.objects.filter(pk=int(callback[len(CALLBACK_PREFIX) :])).values(*fields).first()
    if row is None:
        return "retry", None  # its send has not recorded the wamid yet, or not ours
    error = None
    if new == Message.Status.FAILED:
        from whatsapp.providers.cloud_api import REASON_BY_CODE

        first = (status.get("errors") or [{}])[0] or {}
        code = first.get("code")
        error = {
            "code": code if code is not None else "",
            "reason": REASON_BY_CODE.get(code, "not_delivered") if isinstance(code, int) else "not_delivered",
            "message": (
                (first.get("error_data") or {}).get("details") or first.get("message") or first.get("title") or ""
            ),
        }
    moved = message_transition(
        message_id=row["pk"], new=new, at=_timestamp(status.get("timestamp")), error=error, wamid=wamid, current=row
    )
    return ("applied" if moved else "stale"), (row["batch_id"] if new == Message.Status.FAILED else None)


def events_process(*, workspace, event_ids: list[int]) -> dict[str, int]:
    """Process stored events of the active workspace (idempotent per event)."""
    from whatsapp import credits
    from whatsapp.services.accounts import template_status_update
    from whatsapp.services.inbound import inbound_receive

    counts: dict[str, int] = defaultdict(int)
    finished: dict[str, list[int]] = defaultdict(list)  # outcome → event ids, marked in one UPDATE each
    waiting: list[int] = []
    to_settle: set[int] = set()
    accounts: dict[int, WhatsAppAccount] = {}
    events = WebhookEvent.unscoped.filter(pk__in=event_ids, workspace_id=workspace.pk, processed_at__isnull=True)
    for event in events.order_by("pk"):
        account = accounts.get(event.account_id) if event.account_id else None
        if account is None and event.account_id:
            account = WhatsAppAccount.objects.filter(pk=event.account_id).first()
            accounts[event.account_id] = account
        try:
            if account is None:
                outcome = "unknown_number"
            elif event.kind == "status":
                outcome, batch_id = status_apply(status=event.payload)
                if batch_id:
                    to_settle.add(batch_id)
            elif event.kind == "message":
                stored = inbound_receive(
                    workspace=workspace,
                    account=account,
                    message=event.payload.get("message") or {},
                    contacts=event.payload.get("contacts"),
                )
                outcome = "stored" if stored is not None else "duplicate"
            elif event.kind == "template":
                same_waba = WhatsAppAccount.objects.filter(waba_id=account.waba_id)
                outcome = f"templates:{template_status_update(accounts=same_waba, value=event.payload)}"
            else:
                logger.warning("whatsapp webhook error notification: %s", json.dumps(event.payload)[:500])
                outcome = "logged"
        except Exception:
            logger.exception("whatsapp webhook event %s failed; it will be retried", event.pk)
            WebhookEvent.unscoped.filter(pk=event.pk).update(attempts=F("attempts") + 1, outcome="error")
            counts["error"] += 1
            continue
        if outcome == "retry" and event.attempts + 1 < MAX_ATTEMPTS:
            waiting.append(event.pk)
        else:
            finished["unmatched" if outcome == "retry" else outcome].append(event.pk)
        counts[outcome] += 1
    now = timezone.now()
    for outcome, ids in finished.items():
        WebhookEvent.unscoped.filter(pk__in=ids, processed_at__isnull=True).update(
            processed_at=now, attempts=F("attempts") + 1, outcome=outcome[:64]
        )
    if waiting:
        WebhookEvent.unscoped.filter(pk__in=waiting).update(attempts=F("attempts") + 1, outcome="waiting")
    for batch_id in to_settle:
        credits.batch_reprice(batch_id=batch_id)
    return dict(counts)


def events_relay(*, now=None) -> int:
    """Beat: re-enqueue events still unprocessed a minute after arrival (their
    task was lost, failed, or was waiting for its message)."""
    now = now or timezone.now()
    pending = list(
        WebhookEvent.unscoped.filter(
            processed_at__isnull=True,
            workspace__isnull=False,
            attempts__lt=MAX_ATTEMPTS,
            received_at__lt=now - timedelta(seconds=60),
        ).values_list("pk", "workspace_id")[:5000]
    )
    enqueue_processing(pending)
    # Give up on events that kept failing: recorded, never silently dropped.
    WebhookEvent.unscoped.filter(processed_at__isnull=True, attempts__gte=MAX_ATTEMPTS).update(
        processed_at=now, outcome="gave_up"
    )
    return len(pending)
