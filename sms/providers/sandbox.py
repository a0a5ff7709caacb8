"""The offline SMS sandbox: the default when no Twilio credentials are set.

It accepts every well-formed E.164 number and answers like Twilio would —
a `SM…` sid, status `queued`, the segment count — without sending anything
(campaigns and messages show `provider: "offline"`). Twilio's magic test
numbers behave as documented: `+15005550004` is a recipient who replied
STOP (21610), `+15005550001` an invalid number (21211).
"""

from __future__ import annotations

import uuid

from sms.providers.base import SmsAccepted, SmsFailure, SmsRequest
from sms.segments import count


class SandboxProvider:
    name = "offline"

    def send(self, request: SmsRequest) -> SmsAccepted:
        if request.to == "+15005550004":
            raise SmsFailure("opted_out", code="21610", message="Attempt to send to unsubscribed recipient")
        if request.to == "+15005550001" or not request.to.startswith("+"):
            raise SmsFailure(
                "failed", code="21211", message=f"The 'To' number {request.to} is not a valid phone number."
            )
        return SmsAccepted(
            sid="SM" + uuid.uuid4().hex, status="queued", segments=count(request.body).segments, from_number="sandbox"
        )

    def close(self) -> None:
        return None
