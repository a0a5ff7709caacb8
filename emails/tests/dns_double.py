"""A tiny authoritative DNS server on loopback (UDP), built with dnspython's
message codec: it answers TXT questions from a dict and NXDOMAIN otherwise."""

from __future__ import annotations

import socket
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class DnsDouble:
    def __init__(self, records: dict[str, list[str]]):
        self.records = {name.rstrip(".").lower(): values for name, values in records.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.questions: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._running = True

    def start(self) -> DnsDouble:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._running = False
        self.sock.close()

    def _serve(self) -> None:
        while self._running:
            try:
                wire, address = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            self.questions.append(name)
            values = self.records.get(name)
            if values is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.TXT:
                # long values are split in 255-byte strings, as real zones do
                quoted = [" ".join(f'"{v[i : i + 255]}"' for i in range(0, len(v), 255)) for v in values]
                response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "TXT", *quoted))
            self.sock.sendto(response.to_wire(), address)
