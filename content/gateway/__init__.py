"""The one text-generation gateway. Every module that needs AI text calls
`generate_text()`; no app talks to a provider directly.

    result = generate_text(
        task="content.generate", template="content/email", language="he",
        variables={"prompt": "…", "tone": "friendly", "length": "short", "type": "email"},
        max_tokens=400,
    )
    result.text, result.provider, result.usage.total_tokens

- The provider is chosen per call: an override set with `use_provider()`
  (tests), else OpenAI with the active workspace's own key from the
  integrations vault (and the model it picked), else OpenAI with the
  platform's `OPENAI_API_KEY`, else the offline provider. The result's
  `key_source` ("workspace" / "platform") goes on the usage event.
  `OPENAI_BASE_URL` points the OpenAI provider at any compatible server.
- `template` names a prompt file (see `content.gateway.prompts`), rendered
  with `variables`; callers with a conversation (agents) pass `messages`.
- Failures raise `ProviderError` (502) / `ProviderTimeout` (504) and nothing
  else, so a caller inside the charge door gets its refund.
- `parse_json_object()` turns a structured answer into a dict or raises
  `ProviderError("malformed_response")`.
- `stream_text()` takes the same arguments and yields the answer's text as
  the provider generates it (`str` deltas), then the `TextResult` (whose
  `text` is the deltas joined, stripped). OpenAI streams (`stream: true`,
  server-sent events through the outbound door's transport); a provider
  without `stream()` — the offline one chunks its answer deterministically —
  yields its finished text. A failure after the first delta raises like any
  other, so the charge door around the iteration refunds.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from django.conf import settings

from content.gateway.base import Message, TextProvider, TextRequest, TextResult, Usage
from content.gateway.offline import OfflineProvider
from content.gateway.prompts import PROMPT_VERSION, build_messages
from nexusone.errors import ProviderError
from nexusone.tenancy import get_active_workspace

__all__ = [
    "Message",
    "TextProvider",
    "TextRequest",
    "TextResult",
    "Usage",
    "generate_text",
    "get_provider",
    "parse_json_object",
    "stream_text",
    "use_provider",
]

_override: ContextVar[TextProvider | None] = ContextVar("content_gateway_provider", default=None)


@lru_cache(maxsize=64)
def _openai_provider(
    api_key: str, base_url: str, model: str, timeout: float, max_retries: int, key_source: str, key_last4: str
) -> TextProvider:
    # Cached per key so the SDK's connection pool is reused across requests.
    from content.gateway.openai import OpenAIProvider

    return OpenAIProvider(
        api_key=api_key,
        base_url=base_url,
        model=model,
        timeout=timeout,
        max_retries=max_retries,
        key_source=key_source,
        key_last4=key_last4,
    )


def _openai_credentials():
    """The active workspace's own OpenAI key from the integrations vault, else
    the platform key, else None (→ offline)."""
    from integrations.vault import credentials_for, platform_credentials

    workspace = get_active_workspace()
    if workspace is None:
        return platform_credentials("openai")
    return credentials_for(workspace=workspace, provider="openai")


def get_provider() -> TextProvider:
    override = _override.get()
    if override is not None:
        return override
    credentials = _openai_credentials()
    if credentials is None:
        return OfflineProvider()
    return _openai_provider(
        credentials.secret,
        settings.OPENAI_BASE_URL,
        credentials.settings.get("model") or settings.OPENAI_MODEL,
        float(getattr(settings, "OPENAI_TIMEOUT_SECONDS", 60)),
        int(getattr(settings, "OPENAI_MAX_RETRIES", 2)),
        credentials.source,
        credentials.last4,
    )


@contextlib.contextmanager
def use_provider(provider: TextProvider) -> Iterator[TextProvider]:
    """Route every `generate_text()` in this block (this thread/context) to `provider`."""
    token = _override.set(provider)
    try:
        yield provider
    finally:
        _override.reset(token)


def _request(
    *,
    task: str,
    language: str,
    variables: dict[str, Any] | None,
    template: str | None,
    messages: Sequence[Message] | None,
    max_tokens: int,
    temperature: float,
    json_output: bool,
) -> TextRequest:
    if (template is None) == (messages is None):
        raise ValueError("Pass exactly one of `template` or `messages`.")
    variables = dict(variables or {})
    if template is not None:
        messages = build_messages(template, variables, language=language)
    return TextRequest(
        task=task,
        language=language,
        messages=tuple(messages or ()),
        variables=variables,
        max_tokens=max_tokens,
        temperature=temperature,
        json_output=json_output,
        prompt_version=PROMPT_VERSION if template is not None else "",
    )


def _report_rejected_key(exc: ProviderError, provider: TextProvider) -> None:
    if exc.details.get("reason") == "authentication" and getattr(provider, "key_source", "") == "workspace":
        # The workspace's own key was refused: the vault marks it expired and tells its admins.
        from integrations.services import connection_report_rejected

        workspace = get_active_workspace()
        if workspace is not None:
            connection_report_rejected(workspace=workspace, provider="openai", reason="HTTP 401")


def generate_text(
    *,
    task: str,
    language: str,
    variables: dict[str, Any] | None = None,
    template: str | None = None,
    messages: Sequence[Message] | None = None,
    max_tokens: int = 800,
    temperature: float = 0.7,
    json_output: bool = False,
    provider: TextProvider | None = None,
) -> TextResult:
    """Generate text for `task` in `language`. Exactly one of `template` /
    `messages` gives the prompt. Raises ProviderError / ProviderTimeout."""
    request = _request(
        task=task,
        language=language,
        variables=variables,
        template=template,
        messages=messages,
        max_tokens=max_tokens,
        temperature=temperature,
        json_output=json_output,
    )
    provider = provider or get_provider()
    try:
        return provider.complete(request)
    except ProviderError as exc:
        _report_rejected_key(exc, provider)
        raise


def stream_text(
    *,
    task: str,
    language: str,
    variables: dict[str, Any] | None = None,
    template: str | None = None,
    messages: Sequence[Message] | None = None,
    max_tokens: int = 800,
    temperature: float = 0.7,
    json_output: bool = False,
    provider: TextProvider | None = None,
) -> Iterator[str | TextResult]:
    """Like `generate_text`, yielding text deltas as they are generated and
    then the `TextResult`. Raises ProviderError / ProviderTimeout, before or
    after the first delta."""
    request = _request(
        task=task,
        language=language,
        variables=variables,
        template=template,
        messages=messages,
        max_tokens=max_tokens,
        temperature=temperature,
        json_output=json_output,
    )
    provider = provider or get_provider()
    stream = getattr(provider, "stream", None)
    try:
        if stream is None:
            result = provider.complete(request)
            yield result.text
            yield result
        else:
            yield from stream(request)
    except ProviderError as exc:
        _report_rejected_key(exc, provider)
        raise


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def parse_json_object(text: str, *, provider: str = "") -> dict:
    """The JSON object in a model's answer (tolerating ``` fences and prose
    around it), or ProviderError with reason `malformed_response`."""
    candidate = _FENCE.sub("", (text or "").strip())
    start, end = candidate.find("{"), candidate.rfind("}")
    try:
        if start == -1 or end <= start:
            raise ValueError("no JSON object")
        value = json.loads(candidate[start : end + 1])
    except ValueError as exc:
        raise ProviderError(details={"provider": provider, "reason": "malformed_response"}) from exc
    if not isinstance(value, dict):
        raise ProviderError(details={"provider": provider, "reason": "malformed_response"})
    return value
