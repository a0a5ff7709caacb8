"""SMS fixtures: Twilio credentials, an HTTP double of the Messages API that
answers Twilio's documented resource (every field), signed webhook posts."""

from __future__ import annotations

import base64
import itertools
from email.utils import format_datetime
from urllib.parse import parse_qs

import httpx
import pytest
from django.utils import timezone

from crm.tests.factories import make_contact, make_segment
from emails.tests.conftest import give_credits
from sms.webhooks import compute_signature

ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "f" * 32
FROM = "+15005550006"
BASE = "https://twilio.test"


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    settings.SITE_URL = "https://app.nexusone.test"
    settings.SMS_RATE_LIMIT_PER_SECOND = 0
    settings.SMS_BATCH_SIZE = 2
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_FROM_NUMBER = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_BASE_URL = BASE


class TwilioDouble:
    """`POST /2010-04-01/Accounts/{sid}/Messages.json` as Twilio answers it."""

    def __init__(self):
        self.requests: list[dict] = []
        self.accepted: list[str] = []  # To of every message Twilio took
        self.errors: dict[str, tuple[int, dict]] = {}  # To → (HTTP status, error body)
        self._sids = itertools.count(1)

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        if request.url.path != path or request.method != "POST":
            return httpx.Response(404, json={"code": 20404, "message": "Not found", "more_info": "", "status": 404})
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return httpx.Response(401, json=twilio_error(20003, "Authenticate", status=401)[1])
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        self.requests.append(form)
        if form["To"] in self.errors:
            status, body = self.errors[form["To"]]
            return httpx.Response(status, json=body)
        from sms.segments import count

        sid = f"SM{next(self._sids):032x}"
        self.accepted.append(form["To"])
        now = format_datetime(timezone.now())
        resource = {
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From", FROM),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": str(count(form["Body"]).segments),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
            "to": form["To"],
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        }
        return httpx.Response(201, json=resource)


def twilio_error(code: int, message: str, status: int = 400) -> tuple[int, dict]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@pytest.fixture
def twilio(settings):
    from nexusone import outbound

    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM
    double = TwilioDouble()
    with outbound.use_transport(httpx.MockTransport(double.handler)):
        yield double


def signed_post(client, path: str, params: dict, *, token: str = AUTH_TOKEN, signature: str | None = None):
    url = f"http://testserver{path}"
    header = signature if signature is not None else compute_signature(url, params, token)
    return client.post(path, data=params, HTTP_X_TWILIO_SIGNATURE=header)


@pytest.fixture
def texting(world):
    """Workspace A: 3 contacts with SMS consent (one Spanish, one Arabic), one without, a segment, credits."""
    tenant = world["A"]
    workspace = tenant.workspace
    give_credits(workspace, 200)
    people = [
        make_contact(workspace, first_name="Ana", phone="+14155550101", sms_opt_in=True, tags=["vip"]),
        make_contact(workspace, first_name="Omar", phone="+14155550102", sms_opt_in=True, tags=["vip"], language="ar"),
        make_contact(workspace, first_name="Noa", phone="+14155550103", sms_opt_in=True, tags=["vip"], language="he"),
    ]
    silent = make_contact(workspace, first_name="Leo", phone="+14155550104", tags=["vip"])
    segment = make_segment(workspace, name="VIP", definition={"tags_any": ["vip"]})
    return {"tenant": tenant, "people": people, "silent": silent, "segment": segment}


def campaign_payload(texting, **extra) -> dict:
    return {
        "name": "Flash sale",
        "body": "Flash sale today: 20% off everything!",
        "audience": {"segment_id": texting["segment"].pk},
        **extra,
    }
