"""Public tracking endpoints (reviewed public routes, outside `i18n_patterns`):

- `GET /e/o/<token>` — the open pixel: records an open (keyed per message and
  hour) and always answers the same 1×1 GIF, never cached.
- `GET /e/c/<token>` — a tracked link: redirects to the URL with that index
  *in this message's campaign* and records a click. The destination is never
  read from the request, so this is not an open redirect; a token that does
  not verify is a 404.
- `/e/u/<token>` — unsubscribe. `POST` with the body
  `List-Unsubscribe=One-Click` is RFC 8058's one-click unsubscribe from the
  mail client: no cookies, no CSRF token, no redirect, 200. `GET` shows a
  confirmation page whose button POSTs (link scanners that follow GETs must
  not unsubscribe anyone); the page is in the campaign's language.

The token names the message and is signed (`emails.tracking`); the message
row defines the workspace (`EmailMessage.unscoped`), whose scope is entered
here, at the edge.
"""

from __future__ import annotations

import base64
from datetime import UTC

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from emails import tracking
from emails.events import event_record
from emails.models import EmailMessage
from nexusone.tenancy import workspace_scope

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
TRACKED_STATUSES = (EmailMessage.Status.SENT,)


def _message(purpose: str, token: str) -> tuple[EmailMessage | None, int | None]:
    parsed = tracking.token_read(purpose=purpose, token=token)
    if parsed is None:
        return None, None
    message = EmailMessage.unscoped.select_related("campaign", "workspace").filter(pk=parsed.message_id).first()
    return message, parsed.index


def _pixel_response() -> HttpResponse:
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0"
    response["Content-Length"] = str(len(PIXEL))
    return response


@require_http_methods(["GET", "HEAD"])
def open_pixel(request, token: str):
    message, _index = _message("open", token)
    if message is not None and message.status in TRACKED_STATUSES and request.method == "GET":
        now = timezone.now()
        with workspace_scope(message.workspace):
            event_record(
                message=message,
                type="opened",
                key=f"open:{message.pk}:{now.astimezone(UTC):%Y%m%d%H}",
                source="pixel",
                occurred_at=now,
            )
    return _pixel_response()


@require_http_methods(["GET", "HEAD"])
def click(request, token: str):
    message, index = _message("click", token)
    links = (message.campaign.rendered.get("links") or []) if message is not None else []
    if message is None or index is None or not 0 <= index < len(links):
        raise Http404
    url = links[index]
    if request.method == "GET" and message.status in TRACKED_STATUSES:
        with workspace_scope(message.workspace):
            event_record(
                message=message,
                type="clicked",
                key=f"click:{message.pk}:{index}",
                source="link",
                data={"url": url, "link": index},
            )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    if token == "test":
        return render(request, "emails/public/unsubscribe.html", {"state": "test"})
    message, _index = _message("unsubscribe", token)
    if message is None:
        raise Http404
    language = message.campaign.language
    one_click = request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click"
    if request.method == "POST":
        with workspace_scope(message.workspace):
            event_record(message=message, type="unsubscribed", key=f"unsubscribe:{message.pk}", source="link")
        if one_click:
            return HttpResponse("Unsubscribed.\n", content_type="text/plain; charset=utf-8")
    with translation.override(language):
        return render(
            request,
            "emails/public/unsubscribe.html",
            {
                "state": "done" if request.method == "POST" else "confirm",
                "email": message.to_email,
                "workspace_name": message.workspace.name,
                "language": language,
                "direction": "rtl" if translation.get_language_bidi() else "ltr",
            },
        )
