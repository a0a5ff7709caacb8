"""The SMS provider interface: one send, typed in and out.

A provider returns `SmsAccepted` or raises `SmsFailure` whose `kind` tells the
sender what to do:
- `retry` — the provider did not take the message (rate limited, unavailable,
  no connection made): try again later;
- `opted_out` — the recipient replied STOP to this sender (Twilio 21610):
  fail it and withdraw the contact's SMS consent;
- `failed` — refused for this recipient (invalid number…): fail it;
- `fatal` — refused for everyone (bad credentials, no sender): stop;
- `unknown` — the request may have been received (a timeout after sending):
  never retried, so the recipient never gets it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SmsRequest:
    to: str  # E.164
    body: str
    status_callback: str = ""


@dataclass(frozen=True)
class SmsAccepted:
    sid: str
    status: str
    segments: int
    from_number: str = ""


class SmsFailure(Exception):
    def __init__(self, kind: str, *, code: str = "", message: str = "", retry_after: float | None = None):
        super().__init__(f"{kind}: {code} {message}".strip())
        self.kind = kind
        self.code = str(code or "")
        self.message = (message or "")[:300]
        self.retry_after = retry_after


class SmsProvider(Protocol):
    name: str

    def send(self, request: SmsRequest) -> SmsAccepted: ...

    def close(self) -> None: ...
