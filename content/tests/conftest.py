"""Content test fixtures: the billing catalogue, credit helpers, and an
OpenAI HTTP double.

The double is the real `openai` SDK on an `httpx2.MockTransport` (openai 3.x
runs on httpx2, which respx does not intercept), answering with OpenAI's
documented `chat.completion` payload. Nothing reaches the network."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx2
import openai
import pytest
from django.db.models import Sum

from billing.models import BillingAccount, LedgerEntry
from billing.services import billing_account_ensure, credits_purchase, plans_ensure_defaults
from content.gateway.openai import OpenAIProvider

BASE_URL = "http://llm.test/v1"


@pytest.fixture(autouse=True)
def _billing_catalogue(db):
    plans_ensure_defaults()


def balance(workspace) -> int:
    billing_account_ensure(workspace=workspace)
    return BillingAccount.unscoped.get(workspace=workspace).balance


def ledger_sum(workspace) -> int:
    return LedgerEntry.unscoped.filter(workspace=workspace).aggregate(total=Sum("amount"))["total"] or 0


def ledger_kinds(workspace, module: str | None = None) -> list[str]:
    rows = LedgerEntry.unscoped.filter(workspace=workspace).order_by("created_at", "id")
    if module:
        rows = rows.filter(module=module)
    return list(rows.values_list("kind", flat=True))


def top_up(workspace, credits: int) -> None:
    credits_purchase(workspace=workspace, credits=credits, idempotency_key=f"test-top-up:{workspace.pk}:{credits}")


def chat_completion(content: str, *, model: str = "gpt-4o-mini", prompt_tokens: int = 21, completion_tokens: int = 34,
                    finish_reason: str = "stop") -> dict:  # fmt: skip
    """OpenAI's documented chat.completion object."""
    return {
        "id": "chatcmpl-abc123",
        "object": "chat.completion",
        "created": 1741569952,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "service_tier": "default",
    }


def error_body(message: str, kind: str) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class OpenAIDouble:
    """Replays `responses` in order (the last one repeats); records requests and sleeps."""

    def __init__(self, responses: list):
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []
        self.sleeps: list[float] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        item = self.responses[min(len(self.requests), len(self.responses)) - 1]
        if isinstance(item, Exception):
            raise item
        if callable(item):
            return item(request)
        return item

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests]

    def provider(self, **options) -> OpenAIProvider:
        client = openai.OpenAI(
            api_key="sk-test",
            base_url=BASE_URL,
            max_retries=0,
            timeout=5,
            http_client=httpx2.Client(transport=httpx2.MockTransport(self.handler)),
        )
        options = {"max_retries": 2, "backoff_base": 0.25, **options}
        return OpenAIProvider(
            api_key="sk-test", model="gpt-4o-mini", client=client, sleep=self.sleeps.append, **options
        )


def ok(content: str, **kwargs) -> httpx2.Response:
    return httpx2.Response(200, json=chat_completion(content, **kwargs))


def status(code: int, *, headers: dict | None = None, message: str = "failure") -> httpx2.Response:
    kind = {429: "rate_limit_error", 401: "invalid_request_error"}.get(code, "server_error")
    return httpx2.Response(code, json=error_body(message, kind), headers=headers or {})


def timeout() -> Callable:
    def raise_timeout(request):
        raise httpx2.ReadTimeout("read timed out", request=request)

    return raise_timeout


@pytest.fixture
def openai_double():
    """`openai_double([responses…])` → an OpenAIDouble whose `.provider()` is
    an OpenAIProvider wired to it."""
    return OpenAIDouble
