"""The offline sandbox provider: the default for an account without an access
token. Nothing leaves the server.

- `send_message` records the message (a bounded in-process outbox, for demos
  and tests) and answers like the Cloud API with a `wamid.SANDBOX…` id.
- It then reports delivery the way Meta does — a webhook-shaped payload with
  `sent` and `delivered` statuses (echoing `biz_opaque_callback_data`) handed
  to `whatsapp.webhooks.ingest_payload`, the same code that stores and
  processes signed webhooks. A recipient whose number ends in `0000` gets a
  `failed` status with error 131026 (undeliverable), so failures and refunds
  can be tried without a real account.
- Templates: Meta's sample `hello_world` (approved) and one pending example.
"""

from __future__ import annotations

import time
import uuid
from collections import deque

from whatsapp.phones import wire_number
from whatsapp.providers.base import OutboundMessage, PhoneNumberInfo, SendResult, TemplateInfo

OUTBOX: deque = deque(maxlen=1000)
FAILING_SUFFIX = "0000"


class SandboxProvider:
    name = "sandbox"

    def __init__(self, *, phone_number_id: str, waba_id: str = "", display_phone_number: str = ""):
        self.phone_number_id = phone_number_id
        self.waba_id = waba_id
        self.display_phone_number = display_phone_number

    def send_message(self, message: OutboundMessage) -> SendResult:
        wamid = f"wamid.SANDBOX.{uuid.uuid4().hex}"
        OUTBOX.append(
            {"phone_number_id": self.phone_number_id, "to": message.to, "content": message.content, "wamid": wamid}
        )
        self._report([self._status(message, wamid, status) for status in self._statuses_for(message)])
        return SendResult(wamid=wamid, wa_id=wire_number(message.to))

    def _statuses_for(self, message: OutboundMessage) -> list[str]:
        return ["failed"] if message.to.endswith(FAILING_SUFFIX) else ["sent", "delivered"]

    def _status(self, message: OutboundMessage, wamid: str, status: str) -> dict:
        row = {
            "id": wamid,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": wire_number(message.to),
        }
        if message.callback_data:
            row["biz_opaque_callback_data"] = message.callback_data
        if status == "failed":
            row["errors"] = [
                {
                    "code": 131026,
                    "title": "Message undeliverable",
                    "message": "Message undeliverable",
                    "error_data": {"details": "Sandbox: numbers ending in 0000 simulate an undeliverable recipient."},
                }
            ]
        return row

    def _report(self, statuses: list[dict]) -> None:
        from whatsapp.webhooks import ingest_payload

        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": self.waba_id or "sandbox",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": wire_number(self.display_phone_number),
                                    "phone_number_id": self.phone_number_id,
                                },
                                "statuses": statuses,
                            },
                        }
                    ],
                }
            ],
        }
        ingest_payload(payload)

    def list_templates(self) -> list[TemplateInfo]:
        return [
            TemplateInfo(
                external_id="sandbox-hello-world",
                name="hello_world",
                language="en_US",
                category="UTILITY",
                status="APPROVED",
                components=[
                    {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
                    {
                        "type": "BODY",
                        "text": "Welcome and congratulations!! This message demonstrates your ability "
                        "to send a WhatsApp message notification from the Cloud API.",
                    },
                    {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"},
                ],
            ),
            TemplateInfo(
                external_id="sandbox-order-update",
                name="order_update",
                language="en_US",
                category="UTILITY",
                status="PENDING",
                components=[{"type": "BODY", "text": "Hi {{1}}, your order {{2}} is on its way."}],
            ),
        ]

    def phone_number_info(self) -> PhoneNumberInfo:
        return PhoneNumberInfo(
            display_phone_number=self.display_phone_number, verified_name="Sandbox", quality_rating="GREEN"
        )

    def close(self) -> None:
        return None
