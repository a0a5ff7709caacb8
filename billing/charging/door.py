"""The context manager of the charge door: reserve, run the block, then
commit — or refund and re-raise (see the contract in `billing.charging`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

from billing.charging.reserve import ChargeHandle, reserve
from billing.charging.settle import charge_commit, charge_refund
from billing.models import Charge
from nexusone.errors import ApplicationError, Conflict

logger = logging.getLogger(__name__)


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, ApplicationError):
        return exc.code
    return type(exc).__name__


class ChargeInProgress(Conflict):
    """Another caller holds this key's reservation and is doing the work now."""

    code = "charge_in_progress"
    default_message = _("This action is already being processed. Retry shortly.")


@contextmanager
def charge(
    *,
    workspace,
    module: str,
    user=None,
    quantity: int = 1,
    action: str = "",
    idempotency_key: str | None = None,
    reference: str = "",
    metadata: dict | None = None,
    hold_seconds: int | None = None,
    owner: str = "",
) -> Iterator[ChargeHandle]:
    """Reserve, run the block, then commit — or refund and re-raise if the
    block raises. A replayed key never runs the block twice: finished →
    `charge_already_finished`, still reserved by someone else →
    `charge_in_progress` (both 409); only the same non-empty `owner`
    continues its own reservation."""
    handle = reserve(
        workspace=workspace,
        module=module,
        user=user,
        quantity=quantity,
        action=action,
        idempotency_key=idempotency_key,
        reference=reference,
        metadata=metadata,
        hold_seconds=hold_seconds,
        owner=owner,
    )
    if handle.replayed and handle.status != Charge.Status.RESERVED:
        raise Conflict(
            _("This action was already charged and finished."),
            code="charge_already_finished",
            details={"charge": str(handle.id), "status": handle.status},
        )
    if handle.replayed and not (owner and handle.owner == owner):
        # Running the block now would do the work twice — and the first
        # caller's refund would then leave this second run free.
        raise ChargeInProgress(details={"charge": str(handle.id)})
    started = time.perf_counter()
    try:
        yield handle
    except BaseException as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        try:
            charge_refund(handle.id, reason=_failure_reason(exc), processing_ms=elapsed, metadata=handle.metadata)
        except Exception:
            # The stale-charge reaper refunds it after its hold expires.
            logger.exception("Refund of charge %s failed; the reaper will release it.", handle.id)
        raise
    elapsed = int((time.perf_counter() - started) * 1000)
    charge_commit(handle.id, processing_ms=elapsed, metadata=handle.metadata)
