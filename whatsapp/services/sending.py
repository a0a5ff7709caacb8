"""Sending: one provider call per message, at the number's shared rate.

`batch_send(batch_id=…)` is the body of the Celery task for one `SendBatch`
(a chunk of a broadcast, or a single reply). It is safe to run twice, at the
same time or after a crash, because messages go out in small groups, each:

1. **rate** — tokens for the group from the per-number limiter shared by all
   workers (`whatsapp.ratelimit`); the group is as large as the tokens granted
   (at most GROUP_SIZE);
2. **claim** — `UPDATE message SET status='sending', claim_token=<new>,
   attempts=attempts+1 WHERE id IN (…) AND status='queued'`, then the rows
   carrying this worker's token are its own: only the claimer calls the
   provider, so a retry, a redelivered task or a second worker skips them;
3. **call** — `provider.send_message` per message, with
   `biz_opaque_callback_data = "nx:<message id>"` so Meta's status webhooks
   identify the message even before its wamid is recorded;
4. **record** — `sending → sent` with each wamid and the broadcast counters,
   in one transaction for the group.

Two commits per group instead of two per message keep the hot broadcast row
and the WAL out of the way (see docs/PERFORMANCE.md). The price: if the worker
dies between claim and record, up to a group of messages stay `sending` —
they are never re-sent; Meta's status webhooks (matched by callback data)
settle the ones that went out, and `messages_reap_stale` fails and refunds
the rest after WHATSAPP_SENDING_STALE_SECONDS.

Outcomes of a call (reasons in `providers.base`): a recipient-level failure
fails that message (refund due); a retryable one (rate limited, Meta
unavailable) puts it back to `queued`, pauses the batch with exponential
backoff, and after WHATSAPP_SEND_MAX_ATTEMPTS consecutive failures leaves the
rest for the beat relay — a message that reaches the attempt limit fails; a
fatal one (token expired, template not approved…) stops the broadcast and
fails and refunds what is left; an unknown outcome (timeout after the request
left) is never retried. Never sending twice wins over never losing.

Within one process WHATSAPP_SEND_CONCURRENCY threads send in parallel (a
pool kept across batches, each thread with its own database connection); 1
sends inline.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from notifications import hooks as notification_hooks
from whatsapp import credits
from whatsapp.models import Broadcast, Message, SendBatch, WhatsAppAccount
from whatsapp.providers import OutboundMessage, ProviderFailure, provider_for
from whatsapp.ratelimit import NumberRateLimiter, limit_for
from whatsapp.services.content import cloud_content
from whatsapp.services.statuses import counters_move, message_transition

logger = logging.getLogger(__name__)

S = Message.Status
CALLBACK_PREFIX = "nx:"
GROUP_SIZE = 25


@dataclass
class BatchOutcome:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0
    unknown: int = 0
    stopped: str = ""  # "", "fatal", "deferred", "cancelled"


@dataclass
class _Run:
    batch: SendBatch
    provider: object
    limiter: NumberRateLimiter
    content: dict | None
    queue: deque  # rows: (id, to, payload, attempts, broadcast_id)
    outcome: BatchOutcome = field(default_factory=BatchOutcome)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    fatal: ProviderFailure | None = None
    pause_until: float = 0.0
    consecutive_retryable: int = 0
    last_cancel_check: float = 0.0

    def add(self, name: str, count: int = 1) -> None:
        with self.lock:
            setattr(self.outcome, name, getattr(self.outcome, name) + count)


def _error(failure: ProviderFailure) -> dict:
    return {"code": failure.code, "reason": failure.reason, "message": failure.message}


def _backoff(attempt: int, retry_after: float | None) -> float:
    base = float(settings.WHATSAPP_RETRY_BASE_DELAY_SECONDS)
    delay = retry_after if retry_after is not None else base * (2 ** max(0, attempt - 1))
    return min(delay, 30.0)


def _broadcast_stopped(run: _Run) -> bool:
    """Re-read the broadcast status at most every half second (cancel)."""
    broadcast_id = run.batch.broadcast_id
    if not broadcast_id:
        return False
    now = time.monotonic()
    if now - run.last_cancel_check < 0.5:
        return False
    run.last_cancel_check = now
    status = Broadcast.objects.filter(pk=broadcast_id).values_list("status", flat=True).first()
    return status not in (Broadcast.Status.SENDING, Broadcast.Status.QUEUED)


def _claim(rows: list[tuple]) -> tuple[list[tuple], str]:
    """Claim the queued rows among `rows` in one statement; return those this
    call won (a concurrent claimer's UPDATE waits on the row lock, then finds
    them no longer queued)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    ids = [row[0] for row in rows]
    table = Message._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, claim_token = %s, claimed_at = %s, attempts = attempts + 1, "  # noqa: S608
            f"updated_at = %s WHERE workspace_id = %s AND status = %s AND id IN ({marks}) RETURNING id",
            [S.SENDING, token, now, now, _workspace_id(), S.QUEUED, *ids],
        )
        won = {row[0] for row in cursor.fetchall()}
    return [row for row in rows if row[0] in won], token


def _workspace_id() -> int:
    from nexusone.tenancy import require_active_workspace

    return require_active_workspace().pk


def _release(rows: list[tuple], token: str, *, undo_attempt: bool) -> None:
    """Give claimed rows back to the queue (not called, or retryable)."""
    if not rows:
        return
    updates = {"status": S.QUEUED, "updated_at": timezone.now()}
    if undo_attempt:
        updates["attempts"] = F("attempts") - 1
    Message.objects.filter(pk__in=[row[0] for row in rows], status=S.SENDING, claim_token=token).update(**updates)


def _record_sent(sent: list[tuple[tuple, str]]) -> None:
    """`sending → sent` with each wamid — one statement for the group — and
    the counters, in one transaction."""
    if not sent:
        return
    now = timezone.now()
    table = Message._meta.db_table
    values = ", ".join(["(CAST(%s AS BIGINT), %s)"] * len(sent))
    params: list = [value for row, wamid in sent for value in (row[0], wamid)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH v(id, wamid) AS (VALUES {values}) "  # noqa: S608 — table name and placeholders only
            f"UPDATE {table} SET status = %s, wamid = (SELECT v.wamid FROM v WHERE v.id = {table}.id), "
            f"sent_at = %s, updated_at = %s, error_code = '', error_reason = '', error_message = '' "
            f"WHERE workspace_id = %s AND status = %s AND id IN (SELECT v.id FROM v) RETURNING id, broadcast_id",
            [*params, S.SENT, now, now, _workspace_id(), S.SENDING],
        )
        moved = cursor.fetchall()
        by_broadcast: dict[int | None, int] = {}
        for _id, broadcast_id in moved:
            by_broadcast[broadcast_id] = by_broadcast.get(broadcast_id, 0) + 1
        for broadcast_id, count in by_broadcast.items():
            counters_move(broadcast_id=broadcast_id, old=S.SENDING, new=S.SENT, count=count, now=now)
    recorded = {row[0] for row in moved}
    for row, wamid in sent:
        if row[0] not in recorded:
            # A status webhook (matched by callback data) got there first: just keep the wamid.
            Message.objects.filter(pk=row[0], wamid="").update(wamid=wamid)


def _fail(message_id: int, error: dict) -> None:
    message_transition(message_id=message_id, new=S.FAILED, error=error)


def _send_group(run: _Run, rows: list[tuple]) -> None:
    max_attempts = int(settings.WHATSAPP_SEND_MAX_ATTEMPTS)
    ready = []
    for row in rows:
        if row[3] >= max_attempts:
            # Earlier runs used up its attempts (rate limited or Meta unavailable each time).
            _fail(row[0], {"reason": "rate_limited", "message": "Too many attempts."})
            run.add("failed")
        else:
            ready.append(row)
    claimed, token = _claim(ready)
    run.add("skipped", len(ready) - len(claimed))
    sent: list[tuple[tuple, str]] = []
    pending = deque(claimed)
    try:
        while pending and not run.stop.is_set():
            row = pending.popleft()
            message_id, to, payload, attempts, _broadcast_id = row
            outbound = OutboundMessage(
                to=to,
                content=cloud_content(payload) if payload else run.content,
                callback_data=f"{CALLBACK_PREFIX}{message_id}",
            )
            try:
                result = run.provider.send_message(outbound)
            except ProviderFailure as failure:
                if failure.retryable:
                    _release([row], token, undo_attempt=False)  # this attempt counts
                    _release(list(pending), token, undo_attempt=True)  # not tried: the claim's attempt is undone
                    _retry_later(run, row, attempts + 1, failure)
                    with run.lock:
                        run.queue.extendleft(reversed(list(pending)))
                    pending.clear()
                    break
                _handle_failure(run, row, failure)
                continue
            except Exception:  # a bug or an unexpected library error: do not guess whether it was sent
                logger.exception("whatsapp: unexpected error sending message %s", message_id)
                Message.objects.filter(pk=message_id, status=S.SENDING).update(
                    error_reason="unknown_outcome", error_message="Unexpected error while sending."
                )
                run.add("unknown")
                continue
            sent.append((row, result.wamid))
    finally:
        # Stopped mid-group (fatal error, cancel): what was not tried goes back to the queue.
        _release(list(pending), token, undo_attempt=True)
        _record_sent(sent)
    if sent:
        with run.lock:
            run.consecutive_retryable = 0
            run.outcome.sent += len(sent)


def _retry_later(run: _Run, row: tuple, attempts: int, failure: ProviderFailure) -> None:
    """A retryable failure: the message is back in `queued`; retry it after a
    pause, or fail it once it used its attempts."""
    message_id = row[0]
    Message.objects.filter(pk=message_id).update(
        error_code=failure.code, error_reason=failure.reason, error_message=failure.message
    )
    if attempts >= int(settings.WHATSAPP_SEND_MAX_ATTEMPTS):
        _fail(message_id, _error(failure))
        run.add("failed")
        return
    with run.lock:
        run.outcome.retried += 1
        run.consecutive_retryable += 1
        run.pause_until = max(run.pause_until, time.monotonic() + _backoff(attempts, failure.retry_after))
        if run.consecutive_retryable >= int(settings.WHATSAPP_SEND_MAX_ATTEMPTS):
            run.outcome.stopped = run.outcome.stopped or "deferred"  # Meta keeps refusing: leave it to the relay
            run.stop.set()
        else:
            run.queue.appendleft((*row[:3], attempts, row[4]))


def _handle_failure(run: _Run, row: tuple, failure: ProviderFailure) -> None:
    message_id = row[0]
    if failure.reason == "unknown_outcome":
        # It may have been sent: leave it `sending` (never retried); a webhook or the reaper settles it.
        Message.objects.filter(pk=message_id, status=S.SENDING).update(
            error_code=failure.code, error_reason=failure.reason, error_message=failure.message
        )
        run.add("unknown")
        return
    _fail(message_id, _error(failure))
    run.add("failed")
    if failure.fatal:
        with run.lock:
            run.fatal = run.fatal or failure
            run.outcome.stopped = "fatal"
        run.stop.set()


def _worker(run: _Run) -> None:
    while not run.stop.is_set():
        wait = run.pause_until - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        with run.lock:
            want = min(GROUP_SIZE, len(run.queue))
        if not want:
            return
        if _broadcast_stopped(run):
            run.outcome.stopped = run.outcome.stopped or "cancelled"
            run.stop.set()
            return
        tokens = run.limiter.acquire(want)
        with run.lock:
            group = [run.queue.popleft() for _ in range(min(tokens, len(run.queue)))]
        if group:
            _send_group(run, group)


_pool_lock = threading.Lock()
_pool: tuple[int, int, ThreadPoolExecutor] | None = None


def _sender_pool(size: int) -> ThreadPoolExecutor:
    """The process's sender threads, kept across batches so each keeps its
    database connection (CONN_MAX_AGE) instead of opening one per batch.
    Recreated after a fork (Celery prefork children) or a size change."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid() or _pool[1] != size:
            _pool = (os.getpid(), size, ThreadPoolExecutor(max_workers=size, thread_name_prefix="wa-send"))
        return _pool[2]


def _pooled_worker(run: _Run) -> None:
    close_old_connections()  # a connection past CONN_MAX_AGE or broken is replaced
    _worker(run)


def _run_workers(run: _Run, concurrency: int) -> None:
    if concurrency <= 1:
        _worker(run)
        return
    pool = _sender_pool(int(settings.WHATSAPP_SEND_CONCURRENCY))
    # Each job gets a copy of this context: the workspace scope travels with it.
    futures = [pool.submit(contextvars.copy_context().run, _pooled_worker, run) for _ in range(concurrency)]
    for future in futures:
        future.result()


def batch_send(*, batch_id: int) -> BatchOutcome:
    """Send the batch's queued messages. Safe to run twice (see module docstring)."""
    batch = SendBatch.objects.select_related("broadcast").filter(pk=batch_id).first()
    if batch is None:
        return BatchOutcome(stopped="missing")
    broadcast = batch.broadcast
    if broadcast is not None and broadcast.status not in (Broadcast.Status.QUEUED, Broadcast.Status.SENDING):
        credits.batch_reprice(batch_id=batch.pk)
        return BatchOutcome(stopped=broadcast.status)
    account = WhatsAppAccount.objects.filter(pk=batch.account_id).first() if batch.account_id else None
    if account is None:
        failure = ProviderFailure("account_restricted", "The WhatsApp number was removed.")
        fail_remaining(batch=batch, failure=failure)
        return BatchOutcome(stopped="fatal")
    try:
        provider = provider_for(account)
    except ProviderFailure as failure:
        fail_remaining(batch=batch, failure=failure)
        return BatchOutcome(stopped="fatal")

    SendBatch.objects.filter(pk=batch.pk, started_at__isnull=True).update(started_at=timezone.now())
    rows = list(
        Message.objects.filter(batch_id=batch.pk, status=S.QUEUED)
        .order_by("id")
        .values_list("id", "to", "payload", "attempts", "broadcast_id")
    )
    run = _Run(
        batch=batch,
        provider=provider,
        limiter=NumberRateLimiter(account.phone_number_id, limit_for(account)),
        content=cloud_content(broadcast.message) if broadcast is not None else None,
        queue=deque(rows),
    )
    concurrency = max(1, min(int(settings.WHATSAPP_SEND_CONCURRENCY), -(-len(rows) // GROUP_SIZE)))
    try:
        _run_workers(run, concurrency)
    finally:
        provider.close()

    if run.fatal is not None:
        WhatsAppAccount.objects.filter(pk=account.pk).update(
            last_error=f"{run.fatal.reason}: {run.fatal.message}"[:255]
        )
        fail_remaining(batch=batch, failure=run.fatal)
    if not Message.objects.filter(batch_id=batch.pk, status=S.QUEUED).exists():
        SendBatch.objects.filter(pk=batch.pk, finished_at__isnull=True).update(
            finished_at=timezone.now(), settle_after=timezone.now() + credits.settle_window()
        )
    credits.batch_reprice(batch_id=batch.pk)
    if broadcast is not None:
        broadcast_finish_if_done(broadcast_id=broadcast.pk)
    return run.outcome


def fail_remaining(*, batch: SendBatch, failure: ProviderFailure) -> int:
    """A fatal error: fail every message still queued — the whole broadcast's,
    or the batch's for a single send — refund them, and mark the broadcast failed."""
    error = _error(failure)
    now = timezone.now()
    broadcast_id = batch.broadcast_id
    scope = Message.objects.filter(broadcast_id=broadcast_id) if broadcast_id else Message.objects.filter(batch=batch)
    with transaction.atomic():
        failed = scope.filter(status=S.QUEUED, batch__isnull=False).update(
            status=S.FAILED,
            failed_at=now,
            refund_state=Message.RefundState.DUE,
            error_code=error["code"],
            error_reason=error["reason"],
            error_message=error["message"],
            updated_at=now,
        )
        counters_move(broadcast_id=broadcast_id, old=S.QUEUED, new=S.FAILED, count=failed, now=now)
        if broadcast_id and Broadcast.objects.filter(pk=broadcast_id, status__in=Broadcast.ACTIVE).update(
            status=Broadcast.Status.FAILED,
            failure_reason=f"{failure.reason}: {failure.message}"[:255],
            finished_at=now,
        ):
            notification_hooks.broadcast_finished(broadcast_id=broadcast_id)
    batch_ids = (
        SendBatch.objects.filter(broadcast_id=broadcast_id).values_list("pk", flat=True) if broadcast_id else [batch.pk]
    )
    for batch_id in list(batch_ids):
        credits.batch_reprice(batch_id=batch_id)
    return failed


def broadcast_finish_if_done(*, broadcast_id: int) -> bool:
    """`sending → completed` once no message is queued or in flight."""
    if Message.objects.filter(broadcast_id=broadcast_id, status__in=(S.QUEUED, S.SENDING)).exists():
        return False
    finished = bool(
        Broadcast.objects.filter(pk=broadcast_id, status=Broadcast.Status.SENDING).update(
            status=Broadcast.Status.COMPLETED, finished_at=timezone.now()
        )
    )
    if finished:
        notification_hooks.broadcast_finished(broadcast_id=broadcast_id)
    return finished


def messages_reap_stale(*, now=None, limit: int = 1000) -> int:
    """Fail (and refund) messages stuck in `sending` longer than
    WHATSAPP_SENDING_STALE_SECONDS: their worker died mid-call, or the call's
    outcome is unknown. They are never re-sent."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=int(settings.WHATSAPP_SENDING_STALE_SECONDS))
    stale = list(
        Message.objects.filter(status=S.SENDING, claimed_at__lt=cutoff).values_list("pk", "batch_id", "broadcast_id")[
            :limit
        ]
    )
    reaped = 0
    for message_id, _batch_id, _broadcast_id in stale:
        reaped += message_transition(
            message_id=message_id,
            new=S.FAILED,
            error={
                "reason": "unknown_outcome",
                "message": "The send did not finish; not retried to avoid a duplicate.",
            },
        )
    for batch_id in {row[1] for row in stale if row[1]}:
        credits.batch_reprice(batch_id=batch_id)
    for broadcast_id in {row[2] for row in stale if row[2]}:
        broadcast_finish_if_done(broadcast_id=broadcast_id)
    return reaped
