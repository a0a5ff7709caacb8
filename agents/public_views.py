"""The web chat widget — reviewed public routes, mounted at /a/ outside the
language prefix (the agent carries its own language).

- `GET /a/<public_key>/widget.js`: the self-contained script (no third-party
  asset, no eval, styles through the CSSOM, RTL for ar/he), configured for
  the agent; only published agents of non-suspended workspaces.
- `POST /a/<public_key>/messages` `{content, visitor_token?}` →
  `{reply, sources, visitor_token, conversation_id, status}`.
  * Origin: the request's `Origin` must be one of the agent's allowed
    origins or this site itself (magic pages); anything else — and no
    Origin at all — is 403 `origin_not_allowed`. CORS headers name the
    checked origin only; no credentials are used (CSRF does not apply: no
    cookie is read, the visitor is known by the signed token).
  * Visitor token: signed (`django.core.signing`, salt per purpose) over
    the agent, the conversation and a random visitor id; the first answer
    issues it. A tampered or expired token is 403 `invalid_visitor_token`;
    a valid token naming a conversation that is not this agent's in this
    workspace is 404.
  * Rate limits: `VISITOR_LIMIT` messages a minute per visitor and
    `ADDRESS_LIMIT` per client address per 10 minutes → 429 with
    `Retry-After`. Messages over `MAX_MESSAGE_CHARS` are 400.
  * Out of credits or over the agent's cap: the visitor gets the polite
    notice (200, `status: "unavailable"`) and the conversation is flagged.
"""

from __future__ import annotations

import json
import math
import secrets
from urllib.parse import urlsplit

from django.core import signing
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from agents import replies, selectors, texts
from agents.models import Conversation
from nexusone.api.throttles import consume_window
from nexusone.audit import client_ip
from nexusone.errors import ApplicationError
from nexusone.tenancy import workspace_scope

TOKEN_SALT = "agents.visitor-token"
TOKEN_MAX_AGE = 60 * 60 * 24 * 30
VISITOR_LIMIT = 20  # per minute
ADDRESS_LIMIT = 60  # per 10 minutes
MAX_BODY_BYTES = 16 * 1024
COLOR = "#4f46e5"


def _error(status: int, code: str, message: str, origin: str = "", details: dict | None = None, **headers):
    response = JsonResponse({"error": {"code": code, "message": message, "details": details or {}}}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return _cors(response, origin)


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def own_origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}".lower()


def origin_allowed(request, agent) -> str:
    """The request's Origin when this agent may be used from it, else ""."""
    origin = (request.headers.get("Origin") or "").strip().lower().rstrip("/")
    if not origin or origin == "null":
        return ""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    if origin == own_origin(request) or origin in agent.allowed_origins:
        return origin
    return ""


def issue_token(*, agent, conversation: Conversation) -> str:
    return signing.dumps({"a": agent.pk, "c": conversation.pk, "v": conversation.visitor_id}, salt=TOKEN_SALT)


def read_token(token: str) -> dict | None:
    try:
        value = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, dict) and {"a", "c", "v"} <= value.keys() else None


@require_GET
def widget_js(request, public_key: str):
    agent = selectors.agent_for_widget(public_key)
    if agent is None:
        return HttpResponse("/* unknown agent */", status=404, content_type="application/javascript")
    labels = {key: texts.text(agent.language, key) for key in ("placeholder", "send", "open", "close", "error", "wait")}
    labels["sources"] = texts.text(agent.language, "sources")
    config = {
        "key": agent.public_key,
        "name": agent.name,
        "language": agent.language,
        "dir": agent.direction,
        "greeting": agent.greeting,
        "endpoint": request.build_absolute_uri(f"/a/{agent.public_key}/messages"),
        "color": COLOR,
        "maxLength": replies.MAX_MESSAGE_CHARS,
        "labels": labels,
    }
    script = render_to_string("agents/widget.js", {"config_json": json.dumps(config, ensure_ascii=False)})
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # embeddable on the allowed sites
    return response


def _limited(key: str, limit: int, window: int, origin: str) -> JsonResponse | None:
    allowed, wait = consume_window(key, limit, window)
    if allowed:
        return None
    return _error(429, "rate_limited", texts.text("en", "wait"), origin, Retry_After=str(max(1, math.ceil(wait))))


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def widget_messages(request, public_key: str):
    agent = selectors.agent_for_widget(public_key)
    if agent is None:
        return _error(404, "not_found", "Not found.")
    origin = origin_allowed(request, agent)
    if not origin:
        return _error(403, "origin_not_allowed", "This site may not use this agent.")
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
        return _cors(response, origin)
    if len(request.body) > MAX_BODY_BYTES:
        return _error(413, "payload_too_large", "The message is too large.", origin)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("content", ""), str):
        return _error(400, "validation_failed", "Send a JSON object with the message content.", origin)
    limited = _limited(f"agents:widget:ip:{client_ip(request)}", ADDRESS_LIMIT, 600, origin)
    token = body.get("visitor_token")
    claims = None
    if token:
        claims = read_token(str(token))
        if claims is None or claims["a"] != agent.pk:
            return _error(403, "invalid_visitor_token", "This visitor token is not valid.", origin)
        limited = limited or _limited(f"agents:widget:visitor:{claims['v']}", VISITOR_LIMIT, 60, origin)
    if limited:
        return limited
    with workspace_scope(agent.workspace):
        if claims is None:
            conversation = Conversation(
                agent=agent, channel=Conversation.Channel.WEB, language=agent.language, visitor_id=secrets.token_hex(16)
            )
        else:
            conversation = Conversation.objects.filter(pk=claims["c"], agent=agent, visitor_id=claims["v"]).first()
            if conversation is None:
                return _error(404, "not_found", "Not found.", origin)
        content = body.get("content", "")
        try:
            replies.clean_content(content)
            if conversation.pk is None:
                conversation.save()
            reply = replies.reply_to(agent=agent, conversation=conversation, content=content, visitor=True)
        except ApplicationError as exc:
            return _error(exc.status_code, exc.code, str(exc.message), origin, details=exc.details)
        payload = {
            "reply": reply.text,
            "sources": reply.sources,
            "status": reply.status,
            "conversation_id": conversation.pk,
            "visitor_token": issue_token(agent=agent, conversation=conversation),
        }
    return _cors(JsonResponse(payload), origin)
