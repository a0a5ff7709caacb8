"""Meta's Graph webhooks protocol, shared by WhatsApp and the ad campaigns:
the `hub.challenge` handshake answered only for our verify token, every POST
signed with `X-Hub-Signature-256: sha256=<hex HMAC of the raw body>` under the
app secret, and a JSON object body. The apps keep only what they do with the
payload."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

logger = logging.getLogger(__name__)
CHALLENGE_MAX = 256


def signature_valid(body: bytes, header: str, secret: str) -> bool:
    if not secret or not header:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())


def serve(
    request: HttpRequest, *, name: str, verify_token: str, app_secret: str, handle: Callable[[dict], HttpResponse]
) -> HttpResponse:
    """Answer the handshake, refuse what is unsigned or not a JSON object, and hand the payload to `handle`."""
    if request.method == "GET":
        token = request.GET.get("hub.verify_token", "")
        challenge = request.GET.get("hub.challenge", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and verify_token
            and hmac.compare_digest(token.encode(), verify_token.encode())
            and 0 < len(challenge) <= CHALLENGE_MAX
        ):
            return HttpResponse(challenge, content_type="text/plain; charset=utf-8")
        return HttpResponse(status=403)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    body = request.body
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256", ""), app_secret):
        logger.warning("%s webhook: refused a delivery with a missing or wrong signature", name)
        return HttpResponse(status=403)
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return HttpResponse(status=400)
    if not isinstance(payload, dict):
        return HttpResponse(status=400)
    return handle(payload)
