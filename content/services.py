"""Content studio writes: AI generations and business-idea batches (landing
pages are in `content.landing_services`).

Contract of every charged service here:
- Keyword-only and typed; called inside the workspace scope (API viewset,
  page mixin or task base), outside any transaction (the charge door must
  commit its reservation before the provider is called).
- Order: validate → (same idempotency key done before? return that row) →
  reserve credits → call the gateway → store the row → commit. Anything
  raised after the reservation — provider error, timeout, malformed answer,
  a database error — refunds the charge and propagates, so the user pays
  only for rows that exist. Not enough credits → 402 and nothing is created.
- `idempotency_key` (the API's Idempotency-Key, or a page form's token)
  makes a retry return the row already made instead of charging again; a
  retry after a *refunded* attempt is a new attempt with a new charge.
- Token usage, provider and model land on the usage event through the
  charge handle's metadata.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.charging import ChargeHandle, charge
from content import gateway
from content.models import ContentType, Generation, IdeaBatch, Length, Tone
from nexusone.errors import Conflict, ProviderError, ValidationFailed

T = TypeVar("T")

MODULE_CONTENT = "content"
MODULE_IDEAS = "generate_income"
MAX_PROMPT = 4000
MAX_TEXT = 50000
LANGUAGES = ("en", "es", "pt", "ar", "he")
# Completion budget per length; blog posts need room for their headings.
MAX_TOKENS = {"short": 350, "medium": 800, "long": 1800}
MAX_ATTEMPTS_PER_KEY = 5


def _require_choice(field: str, value: str, choices) -> None:
    if value not in choices:
        raise ValidationFailed(details={field: [_("“%(value)s” is not a valid choice.") % {"value": value}]})


def _require_text(field: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(details={field: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationFailed(details={field: [_("At most %(n)d characters.") % {"n": limit}]})
    return value


def charged_run(
    *,
    workspace,
    user,
    module: str,
    idempotency_key: str | None,
    reference: str,
    action: str,
    work: Callable[[ChargeHandle], T],
    quantity: int = 1,
) -> T:
    """Run `work(handle)` inside the charge door: committed if it returns,
    refunded if it raises. With an idempotency key, the charge key is derived
    from it; an earlier attempt under that key that was refunded (the provider
    failed) does not block a retry, which gets the next attempt's key."""
    if not idempotency_key:
        keys: list[str | None] = [None]
    else:
        # The charge door keeps 200 characters of a key: hash long ones so the attempt suffix survives.
        key_part = (
            idempotency_key if len(idempotency_key) <= 120 else hashlib.sha256(idempotency_key.encode()).hexdigest()
        )
        base = f"{module}:{key_part}"
        keys = [base] + [f"{base}#{n}" for n in range(2, MAX_ATTEMPTS_PER_KEY + 1)]
    for key in keys:
        try:
            with charge(
                workspace=workspace,
                user=user,
                module=module,
                action=action,
                quantity=quantity,
                idempotency_key=key,
                reference=reference,
            ) as handle:
                return work(handle)
        except Conflict as exc:
            # Raised by the door on entry (never by `work`): this key's charge is finished.
            if exc.code == "charge_already_finished" and exc.details.get("status") == "refunded":
                continue
            raise
    raise Conflict(
        _("This Idempotency-Key failed too many times. Retry with a new key."), code="idempotency_attempts_exhausted"
    )


def _record_result(handle: ChargeHandle, result: gateway.TextResult) -> None:
    handle.metadata.update(result.metadata())


def generation_provenance(*, result: gateway.TextResult, handle: ChargeHandle, idempotency_key: str | None) -> dict:
    """The fields every charged AI output records: who answered, with which
    prompt and tokens, and which charge paid for it."""
    return {
        "provider": result.provider,
        "model": result.model[:100],
        "prompt_version": result.prompt_version,
        "prompt_tokens": result.usage.prompt_tokens,
        "completion_tokens": result.usage.completion_tokens,
        "finish_reason": result.finish_reason,
        "credits_charged": handle.credits,
        "charge_id": handle.id,
        "idempotency_key": idempotency_key or "",
    }


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


# --- generations -----------------------------------------------------------------


def content_generate(
    *,
    workspace,
    user,
    prompt: str,
    type: str,
    language: str,
    tone: str = Tone.PROFESSIONAL,
    length: str = Length.MEDIUM,
    idempotency_key: str | None = None,
) -> Generation:
    """Generate one piece of content (module `content`, 5 credits)."""
    prompt = _require_text("prompt", prompt, MAX_PROMPT)
    _require_choice("type", type, ContentType.values)
    _require_choice("language", language, LANGUAGES)
    _require_choice("tone", tone, Tone.values)
    _require_choice("length", length, Length.values)
    if idempotency_key:
        existing = Generation.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing

    variables = {"prompt": prompt, "type": type, "tone": tone, "length": length}

    def work(handle: ChargeHandle) -> Generation:
        handle.metadata.update({"type": type, "language": language, "tone": tone, "length": length})
        result = gateway.generate_text(
            task="content.generate",
            template=f"content/{type}",
            language=language,
            variables=variables,
            max_tokens=MAX_TOKENS[length] + (400 if type == ContentType.BLOG_POST and length == "long" else 0),
            temperature=0.7,
        )
        _record_result(handle, result)
        return Generation.objects.create(
            workspace=workspace,
            created_by=_user_or_none(user),
            type=type,
            language=language,
            tone=tone,
            length=length,
            prompt=prompt,
            text=result.text[:MAX_TEXT],
            **generation_provenance(result=result, handle=handle, idempotency_key=idempotency_key),
        )

    return charged_run(
        workspace=workspace,
        user=_user_or_none(user),
        module=MODULE_CONTENT,
        idempotency_key=idempotency_key,
        reference=f"content:{type}",
        action="generate",
        work=work,
    )


def generation_update(*, generation: Generation, text: str) -> Generation:
    """Replace the text of a generation (a user's edit)."""
    generation.text = _require_text("text", text, MAX_TEXT)
    generation.edited_at = timezone.now()
    generation.save(update_fields=["text", "edited_at", "updated_at"])
    return generation


def generation_delete(*, generation: Generation) -> None:
    generation.delete()


# --- business ideas -----------------------------------------------------------------

IDEAS_PER_BATCH = 5
_NUMBER = re.compile(r"\d[\d,.\s]*")


def _as_amount(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(0, int(value))
    if isinstance(value, str):
        match = _NUMBER.search(value)
        if match:
            digits = re.sub(r"[^\d]", "", match.group().split(".")[0])
            return int(digits) if digits else None
    return None


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str | int | float) else ""


def normalize_ideas(data: Any, *, provider: str = "") -> list[dict]:
    """Exactly five ideas of {title, summary, audience, first_steps,
    estimated_startup_cost {min, max, currency}}, or ProviderError."""
    ideas = data.get("ideas") if isinstance(data, dict) else data
    if not isinstance(ideas, list):
        raise ProviderError(details={"provider": provider, "reason": "malformed_response"})
    clean = []
    for idea in ideas:
        if not isinstance(idea, dict):
            continue
        title, summary = _text(idea.get("title"), 150), _text(idea.get("summary"), 1000)
        if not title or not summary:
            continue
        steps = idea.get("first_steps") or idea.get("steps") or []
        steps = [_text(step, 200) for step in steps if _text(step, 200)] if isinstance(steps, list) else []
        cost = idea.get("estimated_startup_cost")
        if isinstance(cost, dict):
            low, high = _as_amount(cost.get("min")), _as_amount(cost.get("max"))
            currency = _text(cost.get("currency") or "USD", 3).upper() or "USD"
        elif isinstance(cost, str) and len(_NUMBER.findall(cost)) >= 2:  # "$1,500 – $3,000"
            amounts = [_as_amount(part) for part in _NUMBER.findall(cost)]
            low, high, currency = amounts[0], amounts[-1], "USD"
        else:
            low = high = _as_amount(cost)
            currency = "USD"
        if low is None and high is None:
            low = high = 0
        low, high = (low if low is not None else high), (high if high is not None else low)
        clean.append(
            {
                "title": title,
                "summary": summary,
                "audience": _text(idea.get("audience"), 300),
                "first_steps": steps[:6],
                "estimated_startup_cost": {"min": min(low, high), "max": max(low, high), "currency": currency},
            }
        )
    if len(clean) < IDEAS_PER_BATCH:
        raise ProviderError(details={"provider": provider, "reason": "malformed_response", "ideas": len(clean)})
    return clean[:IDEAS_PER_BATCH]


def ideas_generate(
    *,
    workspace,
    user,
    niche: str,
    language: str,
    budget: int | None = None,
    idempotency_key: str | None = None,
) -> IdeaBatch:
    """Five business ideas for `niche` (module `generate_income`, 8 credits)."""
    niche = _require_text("niche", niche, 200)
    _require_choice("language", language, LANGUAGES)
    if budget is not None and (not isinstance(budget, int) or budget < 0):
        raise ValidationFailed(details={"budget": [_("Must be a whole, non-negative amount.")]})
    if idempotency_key:
        existing = IdeaBatch.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing

    def work(handle: ChargeHandle) -> IdeaBatch:
        handle.metadata.update({"language": language})
        result = gateway.generate_text(
            task="content.ideas",
            template="ideas",
            language=language,
            variables={"niche": niche, "budget": "" if budget is None else budget},
            max_tokens=1500,
            temperature=0.8,
            json_output=True,
        )
        _record_result(handle, result)
        ideas = normalize_ideas(
            gateway.parse_json_object(result.text, provider=result.provider), provider=result.provider
        )
        return IdeaBatch.objects.create(
            workspace=workspace,
            created_by=_user_or_none(user),
            niche=niche,
            budget=budget,
            language=language,
            ideas=ideas,
            **generation_provenance(result=result, handle=handle, idempotency_key=idempotency_key),
        )

    return charged_run(
        workspace=workspace,
        user=_user_or_none(user),
        module=MODULE_IDEAS,
        idempotency_key=idempotency_key,
        reference="content:ideas",
        action="ideas",
        work=work,
    )


def idea_batch_delete(*, batch: IdeaBatch) -> None:
    with transaction.atomic():
        batch.delete()
