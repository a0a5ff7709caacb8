"""WhatsApp test fixtures: fast settings, credits, HTTP doubles of the Cloud
API built from Meta's documented payloads, and signed webhook deliveries."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

import httpx
import pytest
import respx

from billing.services import credits_purchase, plans_ensure_defaults

GRAPH = "https://graph.test/v21.0"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "verify-me-please"
TOKEN = "EAAGtestTOKENvalue1234abcd"


@pytest.fixture(autouse=True)
def _whatsapp_settings(settings):
    settings.WHATSAPP_GRAPH_URL = GRAPH
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    settings.WHATSAPP_SEND_CONCURRENCY = 1
    settings.WHATSAPP_RETRY_BASE_DELAY_SECONDS = 0
    settings.WHATSAPP_BATCH_SIZE = 3
    settings.WHATSAPP_RATE_LIMIT_PER_SECOND = 1000


@pytest.fixture
def run_commit_hooks(django_capture_on_commit_callbacks):
    """`with run_commit_hooks(): …` runs on-commit callbacks (task enqueues,
    eager in tests) at the end of the block, including the ones they add."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def give_credits(workspace, amount: int) -> None:
    plans_ensure_defaults()
    credits_purchase(workspace=workspace, credits=amount, idempotency_key=f"test-topup-{workspace.pk}-{amount}")


def balance(workspace) -> int:
    from billing.models import BillingAccount

    return BillingAccount.unscoped.get(workspace=workspace).balance


class CloudApiDouble:
    """A respx double of `POST /{phone_number_id}/messages` and friends. It
    counts every request by recipient, and can answer with Graph errors."""

    def __init__(self, router: respx.Router):
        self.router = router
        self.sent: list[dict] = []
        self.failures: dict[str, dict] = {}  # recipient digits → Graph error (status, body)
        self.fail_all: tuple[int, dict] | None = None
        self._ids = itertools.count(1)
        self.templates: list[dict] = [
            {"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
             "id": "1001", "components": [{"type": "BODY", "text": "Hi {{1}}, your order {{2}} is on its way."}]},
            {"name": "spring_sale", "language": "es", "status": "REJECTED", "category": "MARKETING", "id": "1002",
             "components": [], "rejected_reason": "INVALID_FORMAT"},
        ]  # fmt: skip
        router.post(url__regex=rf"{GRAPH}/\d+/messages").mock(side_effect=self._send)
        router.get(url__regex=rf"{GRAPH}/\d+/message_templates.*").mock(side_effect=self._templates)
        router.get(url__regex=rf"{GRAPH}/\d+/phone_numbers.*").mock(side_effect=self._waba_numbers)
        router.get(url__regex=rf"{GRAPH}/\d+(\?.*)?$").mock(side_effect=self._phone)
        # The numbers Meta lists under any WABA: every number read so far, except
        # those another business owns (`foreign`).
        self.read_numbers: list[str] = []
        self.foreign: set[str] = set()

    @staticmethod
    def graph_error(code: int, message: str, details: str = "", status: int = 400) -> tuple[int, dict]:
        return status, {
            "error": {
                "message": f"(#{code}) {message}",
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": details or message},
                "fbtrace_id": "AbCdEfGh123",
            }
        }

    def _send(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert request.headers["Authorization"].startswith("Bearer ")
        assert body["messaging_product"] == "whatsapp"
        if self.fail_all is not None:
            status, error = self.fail_all
            return httpx.Response(status, json=error)
        if body["to"] in self.failures:
            status, error = self.failures[body["to"]]
            return httpx.Response(status, json=error)
        self.sent.append(body)
        wamid = f"wamid.HBgL{next(self._ids):012d}"
        return httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            },
        )

    def _templates(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": self.templates, "paging": {"cursors": {"before": "a", "after": "b"}}})

    def _waba_numbers(self, request: httpx.Request) -> httpx.Response:
        rows = [
            {"id": number, "display_phone_number": "+1 631-555-5555", "verified_name": "Jasper's Market",
             "quality_rating": "GREEN", "code_verification_status": "VERIFIED"}
            for number in dict.fromkeys(self.read_numbers) if number not in self.foreign
        ]  # fmt: skip
        return httpx.Response(200, json={"data": rows, "paging": {"cursors": {"before": "a", "after": "b"}}})

    def _phone(self, request: httpx.Request) -> httpx.Response:
        self.read_numbers.append(request.url.path.rsplit("/", 1)[-1])
        return httpx.Response(
            200,
            json={"verified_name": "Jasper's Market", "display_phone_number": "+1 631-555-5555",
                  "id": request.url.path.rsplit("/", 1)[-1], "quality_rating": "GREEN"},
        )  # fmt: skip

    def sent_to(self) -> list[str]:
        return [body["to"] for body in self.sent]


@pytest.fixture
def cloud_api():
    with respx.mock(assert_all_called=False) as router:
        yield CloudApiDouble(router)


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def status_payload(phone_number_id: str, statuses: list[dict], waba_id: str = "102290129340398") -> dict:
    """A `messages` webhook with statuses, as Meta documents it."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
            "statuses": statuses,
        }}]}],
    }  # fmt: skip


def status(wamid: str, value: str, recipient: str = "14155552671", ts: int = 1750857384, **extra) -> dict:
    row = {
        "id": wamid,
        "status": value,
        "timestamp": str(ts),
        "recipient_id": recipient,
        "pricing": {"billable": True, "pricing_model": "PMP", "category": "marketing"},
    }
    row.update(extra)
    return row


def inbound_payload(
    phone_number_id: str, *, sender: str, text: str, wamid: str, name: str = "Ana", ts: int | None = None
) -> dict:
    ts = ts if ts is not None else int(time.time())
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": name}, "wa_id": sender}],
            "messages": [{"from": sender, "id": wamid, "timestamp": str(ts), "type": "text",
                          "text": {"body": text}}],
        }}]}],
    }  # fmt: skip


def post_webhook(client, payload: dict | bytes, *, secret: str = APP_SECRET, signature: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    headers = {} if signature == "" else {"HTTP_X_HUB_SIGNATURE_256": signature or sign(body, secret)}
    return client.post("/webhooks/whatsapp/", data=body, content_type="application/json", **headers)
