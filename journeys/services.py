"""Journey writes: create, update, activate, pause, delete.

Every `send_email` / `send_sms` step has its own message template: a
journey-kind `emails.Campaign` / `sms.SmsCampaign` (status `sending` while it
may receive recipients), made when the journey is activated. Its
rendering is frozen then, as for any campaign; when a step's content changed
after messages went out, the step gets a new template so the links and
counters of what was sent stay true.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys import engine
from journeys.definition import definition_clean, walk
from journeys.models import Journey
from nexusone.audit import audit_record
from nexusone.errors import ValidationFailed

S = Journey.Status


def _name(data: Mapping[str, Any], *, required: bool) -> dict:
    if "name" not in data and not required:
        return {}
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValidationFailed(details={"name": [_("This field is required.")]})
    return {"name": name[:200]}


def _status(data: Mapping[str, Any]) -> str | None:
    value = data.get("status")
    if value is None:
        return None
    if value not in S.values:
        raise ValidationFailed(details={"status": [_("Choose active or paused.")]})
    return value


def journey_create(*, workspace, data: Mapping[str, Any], user=None, request=None) -> Journey:
    values = {**_name(data, required=True), **definition_clean(dict(data))}
    status = _status(data)
    with transaction.atomic():
        journey = Journey.objects.create(workspace=workspace, created_by=user, goal=values.pop("goal", {}), **values)
        audit_record(action="journeys.journey.created", request=request, user=user, workspace=workspace, target=journey)
        if status == S.ACTIVE:
            journey = journey_activate(journey=journey, user=user, request=request)
    return journey


def journey_update(*, journey: Journey, data: Mapping[str, Any], user=None, request=None) -> Journey:
    """Change the name, goal, trigger or steps, and/or the status. Steps keep
    their ids; contacts waiting at a removed step leave the journey."""
    status = _status(data)
    with transaction.atomic():
        journey = Journey.objects.select_for_update().get(pk=journey.pk)
        values = {**_name(data, required=False), **definition_clean(dict(data), journey=journey)}
        if "trigger" in values and values["trigger"] != journey.trigger:
            journey.cursor, journey.baseline_done = 0, False
        for field, value in values.items():
            setattr(journey, field, value)
        journey.save()
        if status == S.ACTIVE or (status is None and journey.status == S.ACTIVE and values):
            journey = journey_activate(journey=journey, user=user, request=request, audit=status == S.ACTIVE)
        elif status == S.PAUSED:
            journey = journey_pause(journey=journey, user=user, request=request)
    return journey


def _email_template(journey: Journey, step: dict):
    from emails.models import Campaign
    from emails.services.campaigns import campaign_check_ready, campaign_render

    wanted = {
        "subject": step["subject"],
        "preheader": step.get("preheader", ""),
        "body": step.get("body", []),
        "body_html": step.get("body_html", ""),
        "sender_id": step["sender_id"],
        "language": step["language"],
    }
    campaign = Campaign.objects.filter(pk=step.get("campaign_id"), kind=Campaign.Kind.JOURNEY).first()
    if campaign is not None and any(getattr(campaign, k) != v for k, v in wanted.items()):
        if campaign.messages.exists():
            campaign = None  # what was sent keeps its own rendering
        else:
            for key, value in wanted.items():
                setattr(campaign, key, value)
    if campaign is None:
        campaign = Campaign(
            workspace=journey.workspace, kind=Campaign.Kind.JOURNEY, created_by=journey.created_by, **wanted
        )
    campaign.name = f"{journey.name} · {step['id']}"[:200]
    try:
        campaign_check_ready(campaign=campaign)
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, code=exc.code, details={f"steps.{step['id']}.{k}": v for k, v in exc.details.items()}
        ) from None
    campaign.rendered = campaign_render(campaign=campaign)
    campaign.status = Campaign.Status.SENDING
    campaign.started_at = campaign.started_at or timezone.now()
    campaign.save()
    return campaign.pk


def _sms_template(journey: Journey, step: dict) -> int:
    from sms import segments
    from sms.models import SmsCampaign
    from sms.providers import provider_name

    campaign = SmsCampaign.objects.filter(pk=step.get("sms_campaign_id"), kind=SmsCampaign.Kind.JOURNEY).first()
    if campaign is not None and campaign.body != step["body"] and campaign.messages.exists():
        campaign = None
    if campaign is None:
        campaign = SmsCampaign(
            workspace=journey.workspace, kind=SmsCampaign.Kind.JOURNEY, created_by=journey.created_by
        )
    counted = segments.count(step["body"])
    campaign.name = f"{journey.name} · {step['id']}"[:200]
    campaign.body, campaign.encoding, campaign.segments = step["body"], counted.encoding, counted.segments
    campaign.provider = provider_name()
    campaign.status = SmsCampaign.Status.SENDING
    campaign.started_at = campaign.started_at or timezone.now()
    campaign.save()
    return campaign.pk


def journey_activate(*, journey: Journey, user=None, request=None, audit: bool = True) -> Journey:
    """Check every message step, freeze its template, start the trigger."""
    with transaction.atomic():
        journey = Journey.objects.select_for_update().select_related("workspace").get(pk=journey.pk)
        if not journey.steps:
            raise ValidationFailed(details={"steps": [_("Add at least one step.")]})
        for step in walk(journey.steps):
            if step["type"] == "send_email":
                step["campaign_id"] = _email_template(journey, step)
            elif step["type"] == "send_sms":
                step["sms_campaign_id"] = _sms_template(journey, step)
        was = journey.status
        journey.status = S.ACTIVE
        journey.activated_at = journey.activated_at or timezone.now()
        journey.last_error = ""
        journey.save()
        engine.activity_cursor_start(journey)
        engine.baseline(journey)
        if audit and was != S.ACTIVE:
            audit_record(
                action="journeys.journey.activated",
                request=request,
                user=user,
                workspace=journey.workspace,
                target=journey,
            )
    journey.refresh_from_db()
    return journey


def journey_pause(*, journey: Journey, user=None, request=None) -> Journey:
    """Nobody enters or moves until it is active again (waits keep their due time)."""
    with transaction.atomic():
        updated = Journey.objects.filter(pk=journey.pk, status=S.ACTIVE).update(
            status=S.PAUSED, updated_at=timezone.now()
        )
        if updated:
            audit_record(
                action="journeys.journey.paused",
                request=request,
                user=user,
                workspace=journey.workspace,
                target=journey,
            )
    journey.refresh_from_db()
    return journey


def journey_delete(*, journey: Journey, user=None, request=None) -> None:
    """Delete it with its enrollments. Its message templates stay (the e-mail
    and SMS reports keep their history); what was queued still goes out, as paid."""
    with transaction.atomic():
        audit_record(
            action="journeys.journey.deleted",
            request=request,
            user=user,
            workspace=journey.workspace,
            target=journey,
            metadata={"name": journey.name},
        )
        journey.delete()
