"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

It can refuse chosen recipients at RCPT with any reply (550 → a hard bounce,
451 → a temporary refusal) and count deliveries per recipient, so tests can
prove "at most once" on the wire. Also used by bench/email_send.py."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from email.message import Message

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> Message:
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # One EHLO per SMTP session: counts the connections a sender opened.
        session.host_name = hostname
        with self.sink.lock:
            self.sink.sessions += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.sink.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        with self.sink.lock:
            self.sink.count += 1
            for address in envelope.rcpt_tos:
                self.sink.per_recipient[address.lower()] += 1
            if self.sink.keep:
                self.sink.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    def __init__(self, *, port: int | None = None, keep: bool = True, delay: float = 0.0):
        self.port = port or free_port()
        self.delay = delay
        self.keep = keep
        self.refuse: dict[str, str] = {}
        self.received: list[Received] = []
        self.per_recipient: Counter = Counter()
        self.count = 0
        self.sessions = 0
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, data_size_limit=10_000_000)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address.lower() in [t.lower() for t in r.rcpt_tos]]
