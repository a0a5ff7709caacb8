"""SMS campaigns: drafts, sending, finishing and settling, opt-outs.

- The audience is a segment or a list of contacts, like e-mail campaigns;
  the recipients are those with an E.164 phone and `sms_opt_in`.
- `sms_send` costs its price (2 credits) per segment and recipient, counted
  before sending (`sms.segments`) and reserved when the campaign starts —
  402 with `needed`/`available` and nothing queued when short. What the
  provider refused is given back once when the campaign finishes.
- Sending mirrors e-mail (`sms.sending`): INSERT … SELECT of the recipients,
  one task per SMS_BATCH_SIZE messages, claim → send → record, never twice.
- STOP and Twilio's other opt-out keywords (and the provider's 21610 answer)
  withdraw the contact's SMS consent through `crm.services.contact_update`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emails import credits
from emails.services.campaigns import audience_base, audience_clean
from nexusone.audit import audit_record
from nexusone.errors import ApplicationError, Conflict, ValidationFailed
from sms import segments
from sms.models import SmsCampaign, SmsMessage
from sms.providers import provider_name

logger = logging.getLogger(__name__)

SMS_MODULE = "sms_send"
S = SmsMessage.Status
C = SmsCampaign.Status
# Twilio's default opt-out and opt-in keywords (case-insensitive, the whole message).
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})


class EmptyAudience(ValidationFailed):
    code = "empty_audience"
    default_message = gettext_lazy("Nobody in this audience can receive an SMS (phone number or consent missing).")


def audience_contacts(*, audience: Mapping) -> QuerySet:
    return audience_base(audience=audience).filter(sms_opt_in=True).exclude(phone="")


def body_clean(value: Any) -> str:
    body = str(value or "").replace("\x00", "").strip()
    if len(body) > segments.MAX_BODY:
        raise ValidationFailed(details={"body": [_("At most %(n)d characters.") % {"n": segments.MAX_BODY}]})
    return body


def unit_price() -> int:
    from billing.models import ModuleCost

    price = ModuleCost.objects.filter(module=SMS_MODULE, is_active=True).values_list("credits", flat=True).first()
    return int(price or 2)


def campaign_estimate(*, campaign: SmsCampaign) -> dict:
    counted = segments.count(campaign.body)
    recipients = audience_contacts(audience=campaign.audience).count() if campaign.audience else 0
    return {
        "recipients": recipients,
        "segments": counted.segments,
        "encoding": counted.encoding,
        "characters": counted.characters,
        "credits": recipients * counted.segments * unit_price(),
    }


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict:
    values: dict[str, Any] = {}
    if "name" in data or creating:
        name = str(data.get("name") or "").strip()
        if not name:
            raise ValidationFailed(details={"name": [_("This field is required.")]})
        values["name"] = name[:200]
    if "body" in data:
        values["body"] = body_clean(data["body"])
    if "audience" in data:
        values["audience"] = audience_clean(data["audience"])
    if "schedule_at" in data:
        when = data["schedule_at"]
        if when is not None and when <= timezone.now():
            raise ValidationFailed(details={"schedule_at": [_("Choose a time in the future.")]})
        values["schedule_at"] = when
    if "body" in values:
        counted = segments.count(values["body"])
        values["encoding"], values["segments"] = counted.encoding if values["body"] else "", counted.segments
    return values


def campaign_create(*, workspace, data: Mapping[str, Any], user=None) -> SmsCampaign:
    values = _clean(data, creating=True)
    if values.get("schedule_at"):
        values["status"] = C.SCHEDULED
    return SmsCampaign.objects.create(created_by=user, provider=provider_name(), **values)


def campaign_update(*, campaign: SmsCampaign, data: Mapping[str, Any]) -> SmsCampaign:
    with transaction.atomic():
        campaign = SmsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if not campaign.is_editable:
            raise Conflict(_("This campaign was already sent and cannot be changed."), code="campaign_not_editable")
        for name, value in _clean(data, creating=False).items():
            setattr(campaign, name, value)
        if "schedule_at" in data:
            campaign.status = C.SCHEDULED if campaign.schedule_at else C.DRAFT
        campaign.save()
    return campaign


def campaign_delete(*, campaign: SmsCampaign) -> None:
    if campaign.status == C.SENDING:
        raise Conflict(_("Cancel the campaign before deleting it."), code="campaign_sending")
    campaign.delete()


# --- sending ------------------------------------------------------------------------------------


def _materialize(*, campaign: SmsCampaign, contacts, segment_count: int) -> int:
    table = SmsMessage._meta.db_table
    select_sql, params = contacts.order_by("pk").values_list("pk", "phone").query.sql_with_params()
    sql = (
        f"INSERT INTO {table} (workspace_id, campaign_id, segments, contact_id, {connection.ops.quote_name('to')}) "  # noqa: S608
        f"SELECT %s, %s, %s, sub.* FROM ({select_sql}) AS sub WHERE TRUE ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.workspace_id, campaign.pk, segment_count, *params])
        return max(0, cursor.rowcount)


def campaign_send(*, campaign: SmsCampaign, user=None, request=None) -> SmsCampaign:
    """Start sending now: recipients materialised and credits reserved in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        campaign = SmsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (C.DRAFT, C.SCHEDULED):
            raise Conflict(_("This campaign was already sent."), code="campaign_already_sent")
        if not campaign.body:
            raise ValidationFailed(details={"body": [_("Write the message first.")]})
        if not campaign.audience:
            raise ValidationFailed(details={"audience": [_("Choose who receives it.")]})
        counted = segments.count(campaign.body)
        contacts = audience_contacts(audience=campaign.audience)
        if contacts.count() > int(settings.SMS_MAX_RECIPIENTS):
            raise ValidationFailed(
                _("This audience is larger than %(n)d recipients; split it.") % {"n": settings.SMS_MAX_RECIPIENTS},
                code="audience_too_large",
                details={"audience": [_("Too many recipients.")]},
            )
        recipients = _materialize(campaign=campaign, contacts=contacts, segment_count=counted.segments)
        if recipients == 0:
            raise EmptyAudience(details={"audience": [str(EmptyAudience.default_message)]})
        campaign.charge_key = f"sms:campaign:{campaign.pk}"
        campaign.charge_id = credits.reserve(
            workspace=campaign.workspace,
            user=user,
            module=SMS_MODULE,
            units=recipients * counted.segments,
            key=campaign.charge_key,
            reference=f"sms.campaign:{campaign.pk}",
            action="campaign",
        )
        from billing.models import Charge

        campaign.credits_charged = Charge.unscoped.filter(pk=campaign.charge_id).values_list("credits", flat=True)[0]
        campaign.encoding, campaign.segments = counted.encoding, counted.segments
        campaign.provider = provider_name()
        campaign.count_recipients = recipients
        campaign.status = C.SENDING
        campaign.started_at = campaign.last_progress_at = now
        campaign.save()
        audit_record(
            action="sms.campaign.sent",
            request=request,
            user=user,
            workspace=campaign.workspace,
            target=campaign,
            metadata={"recipients": recipients, "segments": counted.segments, "credits": campaign.credits_charged},
        )
        from sms.tasks import campaign_dispatch_task, enqueue

        enqueue(campaign_dispatch_task, workspace_id=campaign.workspace_id, campaign_id=campaign.pk)
    return campaign


def campaign_dispatch(*, campaign_id: int) -> int:
    from sms.tasks import chunk_send_task, enqueue

    campaign = SmsCampaign.objects.filter(pk=campaign_id, status=C.SENDING).first()
    if campaign is None:
        return 0
    size = max(1, int(settings.SMS_BATCH_SIZE))
    ids = list(
        SmsMessage.objects.filter(campaign_id=campaign_id, status=S.QUEUED).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        enqueue(
            chunk_send_task,
            workspace_id=campaign.workspace_id,
            campaign_id=campaign_id,
            first_id=part[0],
            last_id=part[-1],
        )
    return -(-len(ids) // size)


def campaign_finish_if_done(*, campaign_id: int) -> bool:
    campaign = SmsCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.kind == SmsCampaign.Kind.JOURNEY:
        return False
    if SmsMessage.objects.filter(campaign_id=campaign_id, status__in=(S.QUEUED, S.SENDING)).exists():
        return False
    finished = SmsCampaign.objects.filter(pk=campaign_id, status=C.SENDING).update(
        status=C.SENT, finished_at=timezone.now()
    )
    campaign_settle(campaign_id=campaign_id)
    return bool(finished)


def campaign_settle(*, campaign_id: int) -> int:
    """Keep the segments the provider accepted; give the rest back, once."""
    campaign = SmsCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.charge_id is None:
        return 0
    accepted = SmsMessage.objects.filter(
        campaign_id=campaign_id, status__in=(S.SENT, S.DELIVERED, S.UNDELIVERED)
    ).count()
    kept_id, given_back = credits.refund_units(
        workspace=campaign.workspace,
        charge_id=campaign.charge_id,
        keep_units=accepted * campaign.segments,
        key=campaign.charge_key,
        reason="sms_not_sent",
    )
    if kept_id != campaign.charge_id or given_back:
        SmsCampaign.objects.filter(pk=campaign_id).update(
            charge_id=kept_id, credits_refunded=F("credits_refunded") + given_back
        )
    return given_back


def campaign_cancel(*, campaign: SmsCampaign, user=None, request=None) -> SmsCampaign:
    with transaction.atomic():
        campaign = SmsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (C.DRAFT, C.SCHEDULED, C.SENDING) or campaign.kind == SmsCampaign.Kind.JOURNEY:
            raise Conflict(_("This campaign has already finished."), code="campaign_finished")
        SmsMessage.objects.filter(campaign_id=campaign.pk, status=S.QUEUED).update(
            status=S.CANCELLED, error_code="cancelled", updated_at=timezone.now()
        )
        campaign.status = C.CANCELLED
        campaign.finished_at = timezone.now()
        campaign.save(update_fields=["status", "finished_at", "updated_at"])
        audit_record(
            action="sms.campaign.cancelled", request=request, user=user, workspace=campaign.workspace, target=campaign
        )
    campaign_settle(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return campaign


def campaigns_start_due(*, now=None, limit: int = 50) -> int:
    from accounts.models import Workspace
    from nexusone.tenancy import workspace_scope

    now = now or timezone.now()
    started = 0
    due = SmsCampaign.unscoped.filter(status=C.SCHEDULED, schedule_at__lte=now).values_list("pk", "workspace_id")
    for campaign_id, workspace_id in list(due[:limit]):
        workspace = Workspace.objects.filter(pk=workspace_id, is_suspended=False).first()
        if workspace is None:
            continue
        with workspace_scope(workspace):
            campaign = SmsCampaign.objects.filter(pk=campaign_id, status=C.SCHEDULED).first()
            if campaign is None:
                continue
            try:
                campaign_send(campaign=campaign, user=campaign.created_by)
                started += 1
            except ApplicationError as exc:
                SmsCampaign.objects.filter(pk=campaign_id, status=C.SCHEDULED).update(
                    status=C.FAILED, last_error=f"{exc.code}: {exc.message}"[:500], finished_at=now
                )
    return started


def campaigns_relay(*, now=None, stall_seconds: int = 120) -> list[tuple[int, int]]:
    now = now or timezone.now()
    stalled = SmsCampaign.unscoped.filter(
        status=C.SENDING, last_progress_at__lt=now - timedelta(seconds=stall_seconds)
    ).values_list("pk", "workspace_id")[:200]
    result = []
    for campaign_id, workspace_id in stalled:
        due = SmsMessage.unscoped.filter(campaign_id=campaign_id, status=S.QUEUED).exclude(next_attempt_at__gt=now)
        if due.exists():
            SmsCampaign.unscoped.filter(pk=campaign_id).update(last_progress_at=now)
            result.append((workspace_id, campaign_id))
    return result


# --- consent --------------------------------------------------------------------------------------


def consent_set(*, phone: str, opted_in: bool, via: str) -> int:
    """Set `sms_opt_in` on the active workspace's contact with this phone; 1 if it changed."""
    from crm import services as crm_services
    from crm.models import Contact

    contact = Contact.objects.filter(phone=phone).first()
    if contact is None or contact.sms_opt_in == opted_in:
        return 0
    crm_services.contact_update(contact=contact, data={"sms_opt_in": opted_in})
    try:
        crm_services.activity_add(
            contact=contact,
            type="sms_message",
            payload={"event": "opted_in" if opted_in else "opted_out", "via": via},
        )
    except ValidationFailed:
        logger.warning("sms: could not record the consent change of contact %s", contact.pk)
    return 1


def keyword_of(body: str) -> str:
    return " ".join((body or "").split()).upper().strip(".!¡¿? ")
