"""The OpenAI provider: Chat Completions through the official `openai` SDK.

Any OpenAI-compatible server works by pointing `OPENAI_BASE_URL` at it
(vLLM, Ollama, LM Studio…). The SDK's own retries are switched off
(`max_retries=0`) and replaced by the loop below, so the policy is ours and
tested: retry 429 and 5xx (and refused connections) up to `max_retries`
times, waiting `Retry-After` when the server sends one (capped by
`max_retry_wait`; a longer wait is a failure rather than a hung request) and
exponential backoff otherwise. Timeouts are not retried: the user is
already waiting `timeout` seconds.

Errors map to `ProviderError` (502) or `ProviderTimeout` (504) with
`details.reason` in: authentication, not_found, rejected, rate_limited,
server_error, unreachable, malformed_response, timeout. Provider bodies
are logged, never shown to users.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import openai
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from content.gateway.base import TextRequest, TextResult, Usage
from nexusone import outbound
from nexusone.errors import ProviderError, ProviderTimeout

logger = logging.getLogger(__name__)

PROVIDER = "openai"


def _retry_after_seconds(headers) -> float | None:
    """Seconds from `retry-after-ms` / `Retry-After` (delta-seconds or HTTP date)."""
    if headers is None:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return max(0.0, email.utils.mktime_tz(parsed) - time.time())


def _failure(reason: str, message, *, status: int | None = None, timeout: bool = False) -> ProviderError:
    details: dict[str, Any] = {"provider": PROVIDER, "reason": reason}
    if status is not None:
        details["status"] = status
    cls = ProviderTimeout if timeout else ProviderError
    return cls(message, details=details)


class OpenAIProvider:
    """`complete()` sends one Chat Completions request (with retries)."""

    name = PROVIDER

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        model: str = "gpt-4o-mini",
        timeout: float = 60.0,
        max_retries: int = 2,
        backoff_base: float = 0.5,
        max_retry_wait: float = 20.0,
        client: openai.OpenAI | None = None,
        sleep: Callable[[float], None] = time.sleep,
        key_source: str = "",
        key_last4: str = "",
    ):
        self.model = model
        self.key_source = key_source
        self.key_last4 = key_last4
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        # Injectable so tests can hand in a client on an httpx2.MockTransport.
        # The SDK's HTTP goes through the outbound door's transport (logs without
        # secrets, User-Agent); retries stay in the loop below.
        self._client = client or openai.OpenAI(
            api_key=api_key,
            base_url=base_url or None,
            timeout=timeout,
            max_retries=0,
            http_client=httpx2.Client(transport=outbound.sdk_transport(service="openai", lib="httpx2")),
        )

    @classmethod
    def from_settings(cls, **overrides) -> OpenAIProvider:
        options = {
            "api_key": settings.OPENAI_API_KEY,
            "base_url": settings.OPENAI_BASE_URL,
            "model": settings.OPENAI_MODEL,
            "timeout": getattr(settings, "OPENAI_TIMEOUT_SECONDS", 60),
            "max_retries": getattr(settings, "OPENAI_MAX_RETRIES", 2),
        }
        options.update(overrides)
        return cls(**options)

    # --- the call ------------------------------------------------------------------

    def _kwargs(self, request: TextRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.json_output:
            kwargs["response_format"] = {"type": "json_object"}
        return kwargs

    def _create(self, kwargs: dict[str, Any]) -> Any:
        """One Chat Completions call with the retry policy (a stream is
        retried only until its response starts)."""
        attempt = 0
        while True:
            try:
                return self._client.chat.completions.create(**kwargs)
            except openai.APITimeoutError as exc:
                logger.warning("OpenAI timed out: %s", exc)
                raise self._timeout() from exc
            except openai.APIStatusError as exc:
                status = exc.status_code
                retryable = status == 429 or status >= 500
                if retryable and attempt < self.max_retries:
                    delay = self._delay(attempt, exc.response.headers if exc.response is not None else None)
                    if delay is not None:
                        logger.info("OpenAI answered %s; retry %d in %.2fs", status, attempt + 1, delay)
                        self._sleep(delay)
                        attempt += 1
                        continue
                logger.warning("OpenAI answered %s: %s", status, str(exc)[:500])
                raise self._status_error(status) from exc
            except openai.APIConnectionError as exc:
                if attempt < self.max_retries:
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                logger.warning("OpenAI unreachable: %s", exc)
                raise self._unreachable() from exc
            except (ValueError, TypeError) as exc:  # an unparsable body (JSONDecodeError is a ValueError)
                logger.warning("OpenAI sent an unparsable body: %s", exc)
                raise self._malformed() from exc

    def complete(self, request: TextRequest) -> TextResult:
        return self._result(self._create(self._kwargs(request)), request)

    def stream(self, request: TextRequest) -> Iterator[str | TextResult]:
        """`stream: true`: yield each content delta as it arrives (server-sent
        events), then the TextResult with the usage of the last chunk
        (`stream_options.include_usage`). A failure mid-stream raises
        ProviderError / ProviderTimeout; nothing is retried after the first
        delta (the caller already showed it)."""
        kwargs = {**self._kwargs(request), "stream": True, "stream_options": {"include_usage": True}}
        stream = self._create(kwargs)
        parts: list[str] = []
        usage, finish_reason, model, response_id = None, "", self.model, ""
        try:
            for chunk in stream:
                response_id = str(getattr(chunk, "id", "") or response_id)
                model = str(getattr(chunk, "model", "") or model)
                usage = getattr(chunk, "usage", None) or usage
                for choice in getattr(chunk, "choices", None) or []:
                    if getattr(choice, "index", 0) != 0:
                        continue
                    delta = getattr(getattr(choice, "delta", None), "content", None)
                    if isinstance(delta, str) and delta:
                        parts.append(delta)
                        yield delta
                    finish_reason = getattr(choice, "finish_reason", None) or finish_reason
        except (openai.APITimeoutError, httpx2.TimeoutException) as exc:
            logger.warning("OpenAI stream timed out: %s", exc)
            raise self._timeout() from exc
        except openai.APIStatusError as exc:
            logger.warning("OpenAI stream failed with %s: %s", exc.status_code, str(exc)[:500])
            raise self._status_error(exc.status_code) from exc
        except (openai.APIError, httpx2.HTTPError) as exc:  # an error event, a dropped connection
            logger.warning("OpenAI stream broke off: %s", str(exc)[:500])
            raise _failure("server_error", _("The AI provider had an error. Nothing was charged.")) from exc
        except (ValueError, TypeError, AttributeError) as exc:
            logger.warning("OpenAI sent an unparsable stream: %s", exc)
            raise self._malformed() from exc
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        text = "".join(parts).strip()
        if not text:
            raise self._malformed()
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        total_tokens = int(getattr(usage, "total_tokens", 0) or 0) or prompt_tokens + completion_tokens
        yield TextResult(
            text=text,
            provider=PROVIDER,
            model=model,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=total_tokens),
            finish_reason=str(finish_reason)[:32],
            prompt_version=request.prompt_version,
            response_id=response_id,
            key_source=self.key_source,
            key_last4=self.key_last4,
        )

    def _timeout(self) -> ProviderError:
        return _failure("timeout", _("The AI provider did not answer in time. Nothing was charged."), timeout=True)

    def _unreachable(self) -> ProviderError:
        return _failure("unreachable", _("The AI provider could not be reached. Nothing was charged."))

    def _backoff(self, attempt: int) -> float:
        return self.backoff_base * (2**attempt)

    def _delay(self, attempt: int, headers) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        retry_after = _retry_after_seconds(headers)
        delay = retry_after if retry_after is not None else self._backoff(attempt)
        return None if delay > self.max_retry_wait else delay

    def _status_error(self, status: int) -> ProviderError:
        if status in (401, 403):
            return _failure(
                "authentication", _("The AI provider refused our credentials (check OPENAI_API_KEY)."), status=status
            )
        if status == 404:
            return _failure(
                "not_found",
                _("The AI model or endpoint was not found (check OPENAI_MODEL and OPENAI_BASE_URL)."),
                status=status,
            )
        if status == 429:
            return _failure(
                "rate_limited", _("The AI provider is busy (rate limited). Nothing was charged."), status=status
            )
        if status >= 500:
            return _failure("server_error", _("The AI provider had an error. Nothing was charged."), status=status)
        return _failure("rejected", _("The AI provider rejected the request. Nothing was charged."), status=status)

    def _malformed(self) -> ProviderError:
        return _failure("malformed_response", _("The AI provider sent an unreadable answer. Nothing was charged."))

    def _result(self, completion: Any, request: TextRequest) -> TextResult:
        """Validate the documented chat.completion shape; anything else is malformed."""
        try:
            choices = completion.choices
            if not isinstance(choices, list) or not choices:
                raise TypeError("no choices")
            choice = choices[0]
            content = choice.message.content
            if not isinstance(content, str) or not content.strip():
                raise TypeError("empty content")
            usage = getattr(completion, "usage", None)
            prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
            completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
            total_tokens = int(getattr(usage, "total_tokens", 0) or 0) or prompt_tokens + completion_tokens
            finish_reason = choice.finish_reason or ""
        except (AttributeError, TypeError, ValueError, IndexError) as exc:
            logger.warning("OpenAI answer does not have the chat.completion shape: %s", exc)
            raise self._malformed() from exc
        if not isinstance(finish_reason, str):
            finish_reason = json.dumps(finish_reason)[:32]
        return TextResult(
            text=content.strip(),
            provider=PROVIDER,
            model=str(getattr(completion, "model", None) or self.model),
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=total_tokens),
            finish_reason=finish_reason[:32],
            prompt_version=request.prompt_version,
            response_id=str(getattr(completion, "id", "") or ""),
            key_source=self.key_source,
            key_last4=self.key_last4,
        )
