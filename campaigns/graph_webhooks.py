"""`/webhooks/facebook/` — Meta's Graph webhooks for lead ads and ad status.

- `GET` (subscription handshake): `hub.mode=subscribe` and `hub.verify_token`
  equal to `META_VERIFY_TOKEN` (constant time) → 200 with exactly
  `hub.challenge`; anything else → 403.
- `POST`: `X-Hub-Signature-256` must be `sha256=` + the hex HMAC-SHA256 of the
  raw body keyed by `META_APP_SECRET`; missing, wrong or unconfigured → 403
  and nothing stored.
- Each change is stored once per workspace (`GraphEvent`, unique key):
  `page` / `leadgen` changes (`leadgen:<leadgen_id>`) go to the workspace
  whose ad it names, else to the workspaces whose Meta connection chose that
  Page; `ad_account` changes (`with_issues_ad_objects`,
  `in_process_ad_objects`, …) go to the workspaces whose connection chose
  that ad account. The answer (200) does not wait: a task per workspace
  processes the new events after commit.
- Processing: a lead is read with `GET /{leadgen_id}` using the Page's token
  and becomes (or updates) a CRM contact through `crm.services` —
  `source: facebook_lead_ad`, a `form_submit` activity naming the form, the
  ad and the campaign, free and never refused, once per lead. An ad-account
  change re-reads the ads of the workspace's live campaigns at Meta
  (the notification only says something changed) and updates their status;
  a newly disapproved ad notifies the workspace.
"""

from __future__ import annotations

import hashlib
import json
import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from campaigns.models import AdVariant, Campaign, GraphEvent
from nexusone import graph_webhooks

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
REJECTED = {"DISAPPROVED", "WITH_ISSUES"}
LEAD_FIELDS = {
    "email": "email",
    "phone_number": "phone",
    "phone": "phone",
    "first_name": "first_name",
    "last_name": "last_name",
    "company_name": "company",
    "company": "company",
}


@csrf_exempt
def facebook_webhook(request: HttpRequest) -> HttpResponse:
    return graph_webhooks.serve(
        request,
        name="facebook",
        verify_token=settings.META_VERIFY_TOKEN,
        app_secret=settings.META_APP_SECRET,
        handle=_accept,
    )


def _accept(payload: dict) -> HttpResponse:
    for workspace_id in store_events(payload):
        _enqueue(workspace_id)
    return HttpResponse("ok", content_type="text/plain")


def _enqueue(workspace_id: int) -> None:
    from campaigns.tasks import graph_events_process

    def publish():
        try:
            graph_events_process.apply_async(kwargs={"workspace_id": workspace_id}, retry=False)
        except Exception:  # the broker is down: the hourly tick processes what is pending
            logger.exception("facebook webhook: could not enqueue processing for %s", workspace_id)

    transaction.on_commit(publish, robust=True)


def _meta_connections():
    from integrations.models import Connection

    return Connection.unscoped.filter(provider="meta").values_list("workspace_id", "settings")


def _workspaces_for_page(page_id: str) -> set[int]:
    return {ws for ws, picks in _meta_connections() if str((picks or {}).get("page_id") or "") == page_id}


def _workspaces_for_account(account_id: str) -> set[int]:
    bare = account_id.removeprefix("act_")
    return {
        ws
        for ws, picks in _meta_connections()
        if str((picks or {}).get("ad_account_id") or "").removeprefix("act_") == bare
    }


def store_events(payload: dict) -> set[int]:
    """Store each change once per workspace; returns the workspaces with new events."""
    rows: list[GraphEvent] = []
    kind_of_object = payload.get("object")
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                continue
            field, value = str(change.get("field") or ""), change["value"]
            if kind_of_object == "page" and field == "leadgen" and value.get("leadgen_id"):
                ad_id = str(value.get("ad_id") or "")
                targets = set(
                    AdVariant.unscoped.filter(external_ad_id=ad_id).values_list("workspace_id", flat=True)
                ) if ad_id else set()  # fmt: skip
                targets = targets or _workspaces_for_page(str(value.get("page_id") or entry.get("id") or ""))
                key, kind = f"leadgen:{value['leadgen_id']}", "leadgen"
            elif kind_of_object == "ad_account":
                targets = _workspaces_for_account(str(entry.get("id") or ""))
                digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:24]
                key, kind = f"ad_account:{entry.get('id')}:{field}:{entry.get('time')}:{digest}", "ad_account"
            else:
                continue
            for workspace_id in targets:
                rows.append(
                    GraphEvent(workspace_id=workspace_id, key=key[:200], kind=kind, payload={"field": field, **value})
                )
    if not rows:
        return set()
    created = GraphEvent.unscoped.bulk_create(rows, ignore_conflicts=True)
    return {row.workspace_id for row in created}


# --- processing (inside the workspace's scope) ------------------------------------------------


def process_pending(*, limit: int = 200) -> int:
    done = 0
    for event in GraphEvent.objects.filter(status=GraphEvent.Status.PENDING).order_by("id")[:limit]:
        claimed = GraphEvent.objects.filter(
            pk=event.pk, status=GraphEvent.Status.PENDING, attempts=event.attempts
        ).update(attempts=event.attempts + 1)
        if not claimed:
            continue
        try:
            contact = _process(event)
        except Exception as exc:  # kept pending for the next run, up to MAX_ATTEMPTS
            logger.warning("facebook webhook: event %s failed: %s", event.pk, exc)
            status = GraphEvent.Status.FAILED if event.attempts + 1 >= MAX_ATTEMPTS else GraphEvent.Status.PENDING
            GraphEvent.objects.filter(pk=event.pk).update(status=status, error=str(exc)[:500])
            continue
        GraphEvent.objects.filter(pk=event.pk).update(
            status=GraphEvent.Status.DONE, processed_at=timezone.now(), error="", contact=contact
        )
        done += 1
    return done


def _process(event: GraphEvent):
    if event.kind == "leadgen":
        return _lead(event)
    _ad_account_changed(event)
    return None


def _lead(event: GraphEvent):
    from campaigns.providers import OfflineAds, meta_configured, provider_for
    from crm.services import contact_upsert_from_form

    workspace = event.workspace
    provider = provider_for(workspace) if meta_configured() else OfflineAds(workspace=workspace)
    value = event.payload
    lead = provider.fetch_lead(str(value["leadgen_id"]))
    data: dict[str, str] = {}
    answers: dict[str, str] = {}
    for field in lead.get("field_data") or []:
        if not isinstance(field, dict):
            continue
        name = str(field.get("name") or "")
        values = field.get("values") or []
        text = ", ".join(str(v) for v in values if v is not None)[:500]
        answers[name] = text
        if name in LEAD_FIELDS and text:
            data[LEAD_FIELDS[name]] = text
        elif name == "full_name" and text:
            first, _sep, last = text.partition(" ")
            data.setdefault("first_name", first)
            data.setdefault("last_name", last)
    variant = AdVariant.objects.select_related("campaign").filter(external_ad_id=str(value.get("ad_id") or "")).first()
    origin = {
        "kind": "facebook_lead_ad",
        "form_id": str(value.get("form_id") or lead.get("form_id") or ""),
        "ad_id": str(value.get("ad_id") or lead.get("ad_id") or ""),
        "campaign_id": variant.campaign_id if variant else None,
        "campaign": variant.campaign.name if variant else "",
        "leadgen_id": str(value["leadgen_id"]),
    }
    return contact_upsert_from_form(
        workspace=workspace,
        data={**data, "lead_form_answers": json.dumps(answers, ensure_ascii=False)[:500]},
        submission_key=f"facebook_lead:{value['leadgen_id']}",
        source="facebook_lead_ad",
        page=origin,
    )


def _ad_account_changed(event: GraphEvent) -> None:
    from campaigns.launching import provider_of

    for campaign in Campaign.objects.filter(
        status__in=[Campaign.Status.ACTIVE, Campaign.Status.PAUSED], provider="meta"
    ):
        statuses = {s.ad_id: s for s in provider_of(campaign).ad_statuses(campaign)}
        for variant in AdVariant.objects.filter(campaign=campaign).exclude(external_ad_id=""):
            status = statuses.get(variant.external_ad_id)
            if status is None or status.effective_status == variant.external_status:
                continue
            newly_rejected = status.effective_status in REJECTED and variant.status != AdVariant.Status.REJECTED
            fields = {
                "external_status": status.effective_status,
                "review_feedback": status.feedback,
                "updated_at": timezone.now(),
            }
            if status.effective_status in REJECTED:
                fields["status"] = AdVariant.Status.REJECTED
            AdVariant.objects.filter(pk=variant.pk).update(**fields)
            if newly_rejected:
                _notify_rejected(campaign, variant, status.feedback)


def _notify_rejected(campaign: Campaign, variant: AdVariant, feedback: str) -> None:
    from notifications.services import notify

    notify(
        workspace=campaign.workspace,
        kind="campaigns.ad_rejected",
        params={"campaign": campaign.name, "ad": variant.label, "reason": feedback or "-"},
        link=f"/w/{campaign.workspace.slug}/campaigns/{campaign.pk}/",
        dedup_key=f"ad_rejected:{variant.pk}:{variant.external_ad_id}",
    )
