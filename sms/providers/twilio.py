"""Twilio's Programmable Messaging API over HTTP, through the outbound door.

`POST {TWILIO_BASE_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
form-encoded `To`, `From` (TWILIO_FROM_NUMBER) or `MessagingServiceSid`
(TWILIO_MESSAGING_SERVICE_SID), `Body`, `StatusCallback`; HTTP Basic auth
`AccountSid:AuthToken`. The answer is the Message resource (`sid`, `status`
— `queued` without a Messaging Service, `accepted` with one —,
`num_segments` as a string…). Errors are `{code, message, more_info,
status}`: 21610 the recipient unsubscribed (STOP), 21211/21614 an invalid or
non-mobile number, 20003 bad credentials, 20429 too many requests.

Creating a message is not idempotent, so the door does not retry it on 5xx:
only refused connections and 429/503 (not processed) are retried, by the
sender, later.
"""

from __future__ import annotations

import httpx
from django.conf import settings

from nexusone.errors import ProviderError, ProviderTimeout
from nexusone.outbound import OutboundError, ProviderClient, RetryPolicy
from sms.providers.base import SmsAccepted, SmsFailure, SmsRequest

# One quick retry of a refused connection or a short 429 inside the door; longer waits come back to us.
SEND_RETRY = RetryPolicy(attempts=2, max_wait=2.0, statuses=frozenset({429}))
OPTED_OUT, INVALID_NUMBERS, AUTH = {"21610"}, {"21211", "21614", "21612", "21408", "21606"}, {"20003", "20005"}


class TwilioProvider:
    name = "twilio"

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str = "", messaging_service_sid: str = ""):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.client = ProviderClient(
            service="twilio",
            base_url=settings.TWILIO_BASE_URL,
            timeout=httpx.Timeout(20.0, connect=5.0),
            retry=SEND_RETRY,
        )

    def send(self, request: SmsRequest) -> SmsAccepted:
        form = {"To": request.to, "Body": request.body}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.from_number
        if request.status_callback:
            form["StatusCallback"] = request.status_callback
        try:
            answer = self.client.post(
                f"/2010-04-01/Accounts/{self.account_sid}/Messages.json",
                data=form,
                headers={"Authorization": _basic(self.account_sid, self.auth_token)},
                secrets=[self.auth_token],
            )
        except ProviderTimeout as exc:
            raise SmsFailure("unknown", code="timeout", message=str(exc)) from exc
        except OutboundError as exc:
            kind = "retry" if exc.reason == "unreachable" else "unknown"
            raise SmsFailure(kind, code=exc.reason, message=str(exc)) from exc
        except ProviderError as exc:
            raise SmsFailure("unknown", code="error", message=str(exc)) from exc
        if answer.is_success:
            body = answer.json()
            return SmsAccepted(
                sid=str(body.get("sid", "")),
                status=str(body.get("status", "queued")),
                segments=int(body.get("num_segments") or 0),
                from_number=str(body.get("from") or ""),
            )
        raise _failure(answer)

    def close(self) -> None:
        return None  # the door's shared client outlives one batch


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _failure(answer) -> SmsFailure:
    try:
        body = answer.json()
    except ValueError:
        body = {}
    code = str(body.get("code") or answer.status_code)
    message = str(body.get("message") or "")
    status = answer.status_code
    if status in (401, 403) or code in AUTH:
        return SmsFailure("fatal", code=code, message=message)
    if code in OPTED_OUT:
        return SmsFailure("opted_out", code=code, message=message)
    if status in (429, 503) or code == "20429":
        return SmsFailure("retry", code=code, message=message, retry_after=answer.retry_after)
    if status >= 500:
        return SmsFailure("unknown", code=code, message=message)
    return SmsFailure("failed", code=code, message=message)
