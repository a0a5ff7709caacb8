"""Idempotency-Key for unsafe API requests (a platform piece any module reuses).

Usage on a DRF handler of a workspace-scoped view (`ScopedAPIView`,
`ScopedViewSet`, or anything with `WorkspaceScopedMixin`)::

    class GenerateView(ScopedAPIView):
        @idempotent()                       # the header is required
        def post(self, request):
            ...                             # request.idempotency_key is the client's key

Contract, per workspace and key (keys are scoped to the workspace, so the
same key in another workspace is an independent request):
- Missing header → 400 `idempotency_key_required` (with `required=False`
  the request simply runs without protection). Longer than 255 characters
  → 400 `idempotency_key_invalid`.
- First request: the key is claimed (a row inserted; the unique constraint
  decides between racers), the handler runs once, and its response —
  status and JSON body, success or 4xx error — is stored.
- Same key, same request (method, path, user and canonical body) → the stored
  response, status and body identical, with `Idempotent-Replayed: true`; the
  handler does not run again, so its effect happens once.
- Same key, different request → 422 `idempotency_key_reused`.
- Same key while the first request is still running → 409
  `idempotency_in_progress` with `Retry-After` (never a second execution).
  The claim's lease (`IDEMPOTENCY_LEASE_SECONDS`, default: the longest
  provider call a handler can make — timeout × attempts plus backoff — and a
  minute) outlives the slowest handler, so a live request is never taken over.
  Should a handler still meet work in progress under its key (the charge
  door's `charge_in_progress`), that 409 is answered but not stored: the
  first request's response will be.
- A 5xx or an unhandled exception releases the key, so the client may retry.
- A claim whose worker died is taken over after its lease; records expire after `ttl_hours` (default 24) and are
  purged by the `idempotency_purge` beat task.

Handlers whose effects must survive a crash between "effect done" and
"response stored" derive their inner idempotency keys from
`request.idempotency_key` (the charge door, Stripe's own Idempotency-Key), so
a retry after the lease finds those effects already done.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nexusone.errors import ApplicationError, Conflict
from nexusone.jobs import shared_task
from nexusone.tenancy import WorkspaceOwned

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
DEFAULT_TTL_HOURS = 24
# Answers that mean "someone is still doing this": answered, never stored.
IN_PROGRESS_CODES = ("idempotency_in_progress", "charge_in_progress")


def default_lease_seconds() -> int:
    return int(settings.IDEMPOTENCY_LEASE_SECONDS)


class IdempotencyKeyRequired(ApplicationError):
    status_code = 400
    code = "idempotency_key_required"
    default_message = _("This request needs an Idempotency-Key header.")


class IdempotencyKeyInvalid(ApplicationError):
    status_code = 400
    code = "idempotency_key_invalid"
    default_message = _("The Idempotency-Key header must be 1 to 255 visible characters.")


class IdempotencyKeyReused(ApplicationError):
    status_code = 422
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used for a different request.")


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    default_message = _("A request with this Idempotency-Key is still being processed. Retry shortly.")


class IdempotencyRecord(WorkspaceOwned):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "in progress"
        COMPLETED = "completed", "completed"

    key = models.CharField(max_length=MAX_KEY_LENGTH)
    fingerprint = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The rendered JSON bytes (as text), so a replay is byte-identical; a JSON
    # column would let PostgreSQL reorder keys.
    response_body = models.TextField(null=True, blank=True)
    locked_until = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="platform_idempotency_key")]
        verbose_name = "idempotency record"
        verbose_name_plural = "idempotency records"

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] {self.state}"


def _render(body) -> str:
    """The body as DRF renders it (imported here, not with the model: the model is imported at boot)."""
    from rest_framework.renderers import JSONRenderer

    return JSONRenderer().render(body).decode()


@dataclass
class Claim:
    record: IdempotencyRecord
    replay: HttpResponse | None = None


# --- fingerprint --------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return str(value)


def request_fingerprint(request) -> str:
    """SHA-256 of method, path, user and the parsed body in canonical form, so
    a client re-serialising the same JSON (key order, spacing) still matches."""
    data = request.data
    if hasattr(data, "lists"):  # QueryDict / MultiValueDict from form or multipart bodies
        data = {key: values for key, values in data.lists()}
    user_id = getattr(request.user, "pk", None)
    canonical = json.dumps(
        {"m": request.method, "p": request.path, "u": user_id, "b": data},
        sort_keys=True,
        separators=(",", ":"),
        default=_json_default,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- claim / complete / release -----------------------------------------------


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.response_body or b"", status=record.response_status, content_type="application/json")
    response[REPLAY_HEADER] = "true"
    return response


def idempotency_claim(
    *,
    workspace,
    key: str,
    fingerprint: str,
    user=None,
    method: str,
    path: str,
    lease_seconds: int | None = None,
    ttl_hours: int = DEFAULT_TTL_HOURS,
) -> Claim:
    """Claim `key` for one execution, or return the stored response to replay.
    Raises IdempotencyKeyReused (422) or IdempotencyInProgress (409)."""
    lease_seconds = lease_seconds or default_lease_seconds()
    now = timezone.now()
    fields = {
        "fingerprint": fingerprint,
        "user": user if getattr(user, "pk", None) else None,
        "method": method,
        "path": path[:255],
        "state": IdempotencyRecord.State.IN_PROGRESS,
        "response_status": None,
        "response_body": None,
        "locked_until": now + timedelta(seconds=lease_seconds),
        "expires_at": now + timedelta(hours=ttl_hours),
    }
    try:
        # The unique (workspace, key) constraint picks exactly one winner among
        # concurrent first requests; the savepoint keeps an outer transaction usable.
        with transaction.atomic():
            record = IdempotencyRecord.unscoped.create(workspace=workspace, key=key, **fields)
        return Claim(record=record)
    except IntegrityError:
        pass

    record = IdempotencyRecord.unscoped.filter(workspace=workspace, key=key).first()
    if record is None:  # purged between our insert and this read: simply try again
        return idempotency_claim(
            workspace=workspace, key=key, fingerprint=fingerprint, user=user, method=method, path=path,
            lease_seconds=lease_seconds, ttl_hours=ttl_hours,
        )  # fmt: skip
    if record.expires_at <= now:
        # An expired record is a new request; the conditional update lets one racer win.
        if IdempotencyRecord.unscoped.filter(pk=record.pk, expires_at=record.expires_at).update(**fields):
            record.refresh_from_db()
            return Claim(record=record)
        raise IdempotencyInProgress()
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.state == IdempotencyRecord.State.COMPLETED:
        return Claim(record=record, replay=_replay(record))
    if record.locked_until > now:
        wait = max(1, int((record.locked_until - now).total_seconds()))
        raise IdempotencyInProgress(details={"retry_after": wait})
    # The first worker died mid-request: take the claim over once its lease ran out.
    taken = IdempotencyRecord.unscoped.filter(
        pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS, locked_until=record.locked_until
    ).update(locked_until=now + timedelta(seconds=lease_seconds))
    if not taken:
        raise IdempotencyInProgress()
    record.refresh_from_db()
    return Claim(record=record)


def idempotency_complete(*, record: IdempotencyRecord, status: int, body: Any) -> None:
    """Store the response so later requests with the key replay it."""
    IdempotencyRecord.unscoped.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.COMPLETED,
        response_status=status,
        response_body=_render(body) if body is not None else "",
        updated_at=timezone.now(),
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget an unfinished claim (server error): the client may retry the key."""
    IdempotencyRecord.unscoped.filter(pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS).delete()


def idempotency_purge(*, now=None) -> int:
    deleted, _ = IdempotencyRecord.unscoped.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


@shared_task(name="nexusone.idempotency.idempotency_purge")
def idempotency_purge_task() -> int:
    return idempotency_purge()


# --- the DRF decorator ----------------------------------------------------------


def _in_progress(response) -> bool:
    error = (response.data or {}).get("error") if isinstance(getattr(response, "data", None), dict) else None
    return response.status_code == 409 and isinstance(error, dict) and error.get("code") in IN_PROGRESS_CODES


def idempotent(*, required: bool = True, lease_seconds: int | None = None, ttl_hours: int = DEFAULT_TTL_HOURS):
    """Decorate a DRF handler method (`post`, or a viewset action) of a
    workspace-scoped view. See the module docstring for the contract."""

    def decorator(handler):
        @functools.wraps(handler)
        def wrapper(view, request, *args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None or key == "":
                if required:
                    raise IdempotencyKeyRequired()
                return handler(view, request, *args, **kwargs)
            if len(key) > MAX_KEY_LENGTH or not key.isprintable():
                raise IdempotencyKeyInvalid()
            workspace = getattr(request, "workspace", None)
            if workspace is None:
                raise AssertionError("@idempotent needs a workspace-scoped view (request.workspace).")
            claim = idempotency_claim(
                workspace=workspace,
                key=key,
                fingerprint=request_fingerprint(request),
                user=request.user,
                method=request.method,
                path=request.path,
                lease_seconds=lease_seconds,
                ttl_hours=ttl_hours,
            )
            if claim.replay is not None:
                return claim.replay
            request.idempotency_key = key
            try:
                try:
                    response = handler(view, request, *args, **kwargs)
                except Exception as exc:
                    # Render application errors now so a 4xx outcome is stored
                    # and replayed like a success; anything unhandled re-raises.
                    response = view.handle_exception(exc)
            except BaseException:
                idempotency_release(record=claim.record)
                raise
            if response.status_code >= 500 or not hasattr(response, "data"):
                idempotency_release(record=claim.record)
            elif _in_progress(response):
                pass  # the request holding the work stores its own answer under this key
            else:
                idempotency_complete(record=claim.record, status=response.status_code, body=response.data)
            return response

        return wrapper

    return decorator
