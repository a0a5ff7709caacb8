"""What each step does to a group of enrollments at the same step.

A handler gets the journey, the compiled node, the enrollments (locked by the
caller's transaction) and their contacts, and returns one `Move` per
enrollment. Effects are written in the caller's transaction — messages queued
(`EmailMessage`/`SmsMessage` rows of the step's own journey campaign, a
WhatsApp broadcast), credits reserved through the charge door, tags and stage
through `crm.services` — so they happen exactly when the step's `StepRun` is
written. What leaves the building (mail, SMS, WhatsApp, notifications) is
handed to the existing sending pipelines after commit, which send each
message once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import F, Min, Q

from journeys.definition import Node, duration_minutes
from journeys.models import Journey, StepRun
from nexusone.errors import InsufficientCredits, ValidationFailed

logger = logging.getLogger(__name__)
RETRY_LATER = timedelta(minutes=10)  # no credits / a provider problem: the contact waits at the step
BRANCH_RECHECK = timedelta(minutes=1)


@dataclass
class Move:
    enrollment_id: int
    outcome: str | None  # the StepRun's outcome; None: the step is not done yet (stay)
    next_id: str = ""
    due_at: datetime | None = None
    detail: str = ""
    exit_reason: str = ""
    step_id: str = ""


def _done(rows, node: Node, now, detail: str = "", outcome: str = StepRun.Outcome.DONE) -> list[Move]:
    return [Move(row.pk, outcome, node.next_id, now, detail) for row in rows]


def contact_zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value) if value else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def next_local_time(
    now: datetime, zone: ZoneInfo, *, hour: int, minute: int = 0, weekday: int | None = None
) -> datetime:
    """The first moment ≥ now that is hour:minute (on `weekday`, 0 = Monday)
    on the wall clock of `zone`. A wall time skipped by a DST jump resolves
    forward (zoneinfo's fold=0 normalised through UTC)."""
    local = now.astimezone(zone)
    for days in range(0, 8):
        day = (local + timedelta(days=days)).date()
        if weekday is not None and day.weekday() != weekday:
            continue
        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        candidate = candidate.astimezone(ZoneInfo("UTC"))
        if candidate >= now:
            return candidate
    raise AssertionError("unreachable: a week always contains the weekday")


# --- timing ---------------------------------------------------------------------------------------


def run_wait(journey, node, rows, contacts, now) -> list[Move]:
    due = now + timedelta(minutes=duration_minutes(node.step, "wait"))
    return [Move(row.pk, StepRun.Outcome.DONE, node.next_id, due) for row in rows]


def run_wait_until(journey, node, rows, contacts, now) -> list[Move]:
    step = node.step
    moves = []
    for row in rows:
        zone = contact_zone(contacts[row.contact_id]["timezone"])
        due = next_local_time(now, zone, hour=step["hour"], minute=step.get("minute", 0), weekday=step.get("weekday"))
        moves.append(Move(row.pk, StepRun.Outcome.DONE, node.next_id, due, str(zone)))
    return moves


# --- messages ---------------------------------------------------------------------------------------


def _reserve(
    *, journey: Journey, node: Node, channel: str, campaign_id: int, module: str, units: int, rows, action: str
):
    """Reserve the batch's credits in a savepoint (a refusal leaves the batch's
    transaction usable) and record the `SendCharge` that settles them once the
    messages are final (`journeys.charges`: what was not sent is refunded)."""
    from emails.credits import reserve
    from journeys.models import SendCharge

    with transaction.atomic():
        charge_id = reserve(
            workspace=journey.workspace,
            user=None,
            module=module,
            units=units,
            key=_batch_key(channel, journey, node, rows),
            reference=f"journeys.journey:{journey.pk}",
            action=action,
        )
    SendCharge.unscoped.get_or_create(
        charge_id=charge_id,
        defaults={
            "workspace_id": journey.workspace_id,
            "journey_id": journey.pk,
            "step_id": node.step["id"],
            "channel": channel,
            "campaign_id": campaign_id,
            "recipients": len(rows),
            "units": units,
        },
    )
    return charge_id


def _credits_of(charge_id) -> int:
    from billing.models import Charge

    return Charge.unscoped.filter(pk=charge_id).values_list("credits", flat=True).first() or 0


def _stay(rows, now, reason: str) -> list[Move]:
    return [Move(row.pk, None, due_at=now + RETRY_LATER, detail=reason) for row in rows]


def _batch_key(kind: str, journey: Journey, node: Node, rows) -> str:
    # The "journeys:" prefix is also how WhatsApp tells an automated broadcast (Broadcast.AUTOMATION_KEY_PREFIX).
    return f"journeys:{kind}:{journey.pk}:{node.step['id']}:{min(row.pk for row in rows)}:{len(rows)}"


def run_send_email(journey, node, rows, contacts, now) -> list[Move]:
    from emails import credits
    from emails.models import Campaign, EmailMessage, Suppression

    campaign = Campaign.objects.filter(pk=node.step.get("campaign_id"), kind=Campaign.Kind.JOURNEY).first()
    if campaign is None:
        return _done(rows, node, now, "no_campaign", StepRun.Outcome.SKIPPED)
    emails = {contacts[row.contact_id]["email"] for row in rows} - {""}
    suppressed = set(Suppression.objects.filter(email__in=emails).values_list("email", flat=True))
    moves, eligible = [], []
    for row in rows:
        contact = contacts[row.contact_id]
        reason = (
            "no_email"
            if not contact["email"]
            else "no_consent"
            if not contact["email_opt_in"]
            else "suppressed"
            if contact["email"] in suppressed
            else ""
        )
        if reason:
            moves.append(Move(row.pk, StepRun.Outcome.SKIPPED, node.next_id, now, reason))
        else:
            eligible.append(row)
    if not eligible:
        return moves
    try:
        charge_id = _reserve(
            journey=journey,
            node=node,
            channel="email",
            campaign_id=campaign.pk,
            module=credits.EMAIL_MODULE,
            units=credits.units_for(len(eligible)),
            rows=eligible,
            action="journey_email",
        )
    except InsufficientCredits:
        return moves + _stay(eligible, now, "insufficient_credits")
    EmailMessage.objects.bulk_create(
        [
            EmailMessage(
                workspace_id=journey.workspace_id,
                campaign=campaign,
                contact_id=row.contact_id,
                to_email=contacts[row.contact_id]["email"],
                charge_id=charge_id,
            )
            for row in eligible
        ],
        ignore_conflicts=True,
    )
    Campaign.objects.filter(pk=campaign.pk).update(
        count_recipients=F("count_recipients") + len(eligible),
        credits_charged=F("credits_charged") + _credits_of(charge_id),
        last_progress_at=now,
    )
    from emails.tasks import campaign_dispatch_task, enqueue

    enqueue(campaign_dispatch_task, workspace_id=journey.workspace_id, campaign_id=campaign.pk)
    return moves + [Move(row.pk, StepRun.Outcome.DONE, node.next_id, now) for row in eligible]


def run_send_sms(journey, node, rows, contacts, now) -> list[Move]:
    from sms.models import SmsCampaign, SmsMessage
    from sms.services import SMS_MODULE

    campaign = SmsCampaign.objects.filter(pk=node.step.get("sms_campaign_id"), kind=SmsCampaign.Kind.JOURNEY).first()
    if campaign is None:
        return _done(rows, node, now, "no_campaign", StepRun.Outcome.SKIPPED)
    moves, eligible = [], []
    for row in rows:
        contact = contacts[row.contact_id]
        reason = "no_phone" if not contact["phone"] else "no_consent" if not contact["sms_opt_in"] else ""
        if reason:
            moves.append(Move(row.pk, StepRun.Outcome.SKIPPED, node.next_id, now, reason))
        else:
            eligible.append(row)
    if not eligible:
        return moves
    try:
        charge_id = _reserve(
            journey=journey,
            node=node,
            channel="sms",
            campaign_id=campaign.pk,
            module=SMS_MODULE,
            units=len(eligible) * max(1, campaign.segments),
            rows=eligible,
            action="journey_sms",
        )
    except InsufficientCredits:
        return moves + _stay(eligible, now, "insufficient_credits")
    SmsMessage.objects.bulk_create(
        [
            SmsMessage(
                workspace_id=journey.workspace_id,
                campaign=campaign,
                contact_id=row.contact_id,
                to=contacts[row.contact_id]["phone"],
                segments=campaign.segments,
                charge_id=charge_id,
            )
            for row in eligible
        ],
        ignore_conflicts=True,
    )
    SmsCampaign.objects.filter(pk=campaign.pk).update(
        count_recipients=F("count_recipients") + len(eligible),
        credits_charged=F("credits_charged") + _credits_of(charge_id),
        last_progress_at=now,
    )
    from sms.tasks import campaign_dispatch_task, enqueue

    enqueue(campaign_dispatch_task, workspace_id=journey.workspace_id, campaign_id=campaign.pk)
    return moves + [Move(row.pk, StepRun.Outcome.DONE, node.next_id, now) for row in eligible]


def run_send_whatsapp_template(journey, node, rows, contacts, now) -> list[Move]:
    from whatsapp.models import WhatsAppAccount
    from whatsapp.services.broadcasts import broadcast_create

    step = node.step
    account = (
        WhatsAppAccount.objects.filter(pk=step["account_id"]).first()
        if step.get("account_id")
        else WhatsAppAccount.objects.order_by("pk").first()
    )
    if account is None:
        return _done(rows, node, now, "no_whatsapp_number", StepRun.Outcome.SKIPPED)
    moves, eligible = [], []
    for row in rows:
        contact = contacts[row.contact_id]
        reason = "no_phone" if not contact["phone"] else "no_consent" if not contact["whatsapp_opt_in"] else ""
        if reason:
            moves.append(Move(row.pk, StepRun.Outcome.SKIPPED, node.next_id, now, reason))
        else:
            eligible.append(row)
    if not eligible:
        return moves
    template = {"name": step["template"], "language": {"code": step["language"]}}
    if step.get("components"):
        template["components"] = step["components"]
    try:
        with transaction.atomic():
            created = broadcast_create(
                workspace=journey.workspace,
                user=None,
                account=account,
                message={"type": "template", "template": template},
                recipients=[contacts[row.contact_id]["phone"] for row in eligible],
                name=f"{journey.name} · {step['id']}"[:200],
                idempotency_key=_batch_key("whatsapp", journey, node, eligible),
            )
    except InsufficientCredits:
        return moves + _stay(eligible, now, "insufficient_credits")
    except ValidationFailed as exc:  # template not approved, no valid number: nothing was sent
        logger.info("journeys: WhatsApp step %s of journey %s refused: %s", step["id"], journey.pk, exc.details)
        return moves + _done(eligible, node, now, "whatsapp_refused", StepRun.Outcome.SKIPPED)
    detail = f"broadcast:{created.broadcast.pk}"
    return moves + [Move(row.pk, StepRun.Outcome.DONE, node.next_id, now, detail) for row in eligible]


# --- contact changes ----------------------------------------------------------------------------


def _bulk_contacts(journey, rows, **changes) -> None:
    from crm.services import contacts_bulk_update

    ids = sorted({row.contact_id for row in rows})
    for start in range(0, len(ids), 1000):
        try:
            contacts_bulk_update(workspace=journey.workspace, ids=ids[start : start + 1000], **changes)
        except ValidationFailed:  # a contact deleted meanwhile: its enrollment is gone with it
            logger.info("journeys: contacts changed under journey %s", journey.pk)


def run_add_tag(journey, node, rows, contacts, now) -> list[Move]:
    _bulk_contacts(journey, rows, add_tags=[node.step["tag"]])
    return _done(rows, node, now)


def run_remove_tag(journey, node, rows, contacts, now) -> list[Move]:
    _bulk_contacts(journey, rows, remove_tags=[node.step["tag"]])
    return _done(rows, node, now)


def run_set_stage(journey, node, rows, contacts, now) -> list[Move]:
    _bulk_contacts(journey, rows, stage=node.step["stage"])
    return _done(rows, node, now)


def run_notify(journey, node, rows, contacts, now) -> list[Move]:
    from accounts.models import User

    step = node.step
    users = list(User.objects.filter(pk=step["user_id"])) if step.get("user_id") else None
    notices = [(row.pk, str(contacts[row.contact_id]["label"]), contacts[row.contact_id]["pk"]) for row in rows]
    workspace = journey.workspace

    def send():
        from notifications.services import notify

        for enrollment_id, label, contact_id in notices:
            try:
                notify(
                    workspace=workspace,
                    kind="journeys.step_notify",
                    params={"journey": journey.name, "contact": label, "message": step["message"]},
                    link=f"/w/{workspace.slug}/crm/contacts/{contact_id}/",
                    users=users,
                    dedup_key=f"journeys:{enrollment_id}:{step['id']}",
                )
            except Exception:  # a notification never undoes the journey's progress
                logger.warning("journeys: notification failed", exc_info=True)

    transaction.on_commit(send, robust=True)
    return _done(rows, node, now)


# --- branches ---------------------------------------------------------------------------------------


def _since(rows, send_step_ids: list[str]) -> dict[int, datetime]:
    """When each enrollment ran its first message step (replies count from then)."""
    found = dict(
        StepRun.objects.filter(enrollment_id__in=[row.pk for row in rows], step_id__in=send_step_ids)
        .values("enrollment_id")
        .annotate(first=Min("created_at"))
        .values_list("enrollment_id", "first")
    )
    return {row.pk: found.get(row.pk) or row.created_at for row in rows}


def branch_hits(journey, node, rows, nodes: dict[str, Node]) -> set[int]:
    """The enrollments for which the branch's condition holds now."""
    step = node.step
    if step["on"] in ("opened", "clicked"):
        from emails.models import EmailMessage

        ref = nodes.get(node.email_ref)
        campaign_id = ref.step.get("campaign_id") if ref else None
        field = "opened_at" if step["on"] == "opened" else "clicked_at"
        contact_ids = set(
            EmailMessage.objects.filter(
                campaign_id=campaign_id, contact_id__in=[row.contact_id for row in rows], **{f"{field}__isnull": False}
            ).values_list("contact_id", flat=True)
        )
        return {row.pk for row in rows if row.contact_id in contact_ids}
    from crm.models import Activity

    sends = [i for i, n in nodes.items() if n.step["type"] in ("send_email", "send_sms", "send_whatsapp_template")]
    since = _since(rows, sends)
    earliest = min(since.values())
    replies: dict[int, list[datetime]] = {}
    for contact_id, at in Activity.objects.filter(
        Q(type="whatsapp_message") | Q(type="sms_message"),
        contact_id__in=[row.contact_id for row in rows],
        payload__direction="inbound",
        occurred_at__gte=earliest,
    ).values_list("contact_id", "occurred_at"):
        replies.setdefault(contact_id, []).append(at)
    return {row.pk for row in rows if any(at >= since[row.pk] for at in replies.get(row.contact_id, []))}


def run_branch(journey, node, rows, contacts, now, *, nodes: dict[str, Node]) -> list[Move]:
    step = node.step
    hits = branch_hits(journey, node, rows, nodes)
    window = timedelta(minutes=duration_minutes(step["within"], "within")) if step.get("within") else timedelta(0)
    then_id, else_id = node.path
    moves = []
    for row in rows:
        if row.pk in hits:
            moves.append(Move(row.pk, StepRun.Outcome.THEN, then_id, now))
            continue
        deadline = (row.step_entered_at or now) + window
        if now < deadline:
            moves.append(Move(row.pk, None, due_at=min(deadline, now + BRANCH_RECHECK)))
        else:
            moves.append(Move(row.pk, StepRun.Outcome.ELSE, else_id, now))
    return moves


HANDLERS = {
    "wait": run_wait,
    "wait_until": run_wait_until,
    "send_email": run_send_email,
    "send_sms": run_send_sms,
    "send_whatsapp_template": run_send_whatsapp_template,
    "add_tag": run_add_tag,
    "remove_tag": run_remove_tag,
    "set_stage": run_set_stage,
    "notify": run_notify,
}
