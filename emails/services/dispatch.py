"""Starting, spreading, finishing and settling a campaign's send.

`campaign_send` (POST …/send, or the beat for a scheduled campaign), in one
transaction holding the campaign row:
1. checks it is ready (verified sender, postal address, subject, body, audience);
2. freezes its rendering (what every recipient gets, links numbered);
3. materialises the recipients with one `INSERT … SELECT` from the CRM
   (consent, address, not suppressed; `ON CONFLICT DO NOTHING` on the
   once-per-address constraint) — fast for 100,000 contacts;
4. reserves `email_send` for ceil(recipients / 100) units through the charge
   door under a key derived from the campaign (a second send cannot charge
   again) — 402 rolls everything back;
5. with an A/B subject test, picks the random sample, spreads the subject
   lines over it and holds everyone else until the winner is known.
After commit the send is spread over Celery tasks of EMAIL_BATCH_SIZE
messages (`campaign_dispatch`). The beat (`emails.tasks.emails_tick`) starts
scheduled campaigns, picks A/B winners, reaps stuck sends and re-dispatches
work a lost task left behind.

`campaign_finish_if_done` marks a campaign sent once nothing is queued, held
or in flight, and `campaign_settle` gives back the credits of what never
left (once).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emails import credits
from emails.models import Campaign, EmailMessage
from emails.services.campaigns import audience_contacts, campaign_check_ready, campaign_render
from nexusone.audit import audit_record
from nexusone.errors import ApplicationError, Conflict, ValidationFailed

logger = logging.getLogger(__name__)

S = EmailMessage.Status
C = Campaign.Status
ACTIVE = (C.SENDING, C.TESTING)


class EmptyAudience(ValidationFailed):
    code = "empty_audience"
    default_message = _("Nobody in this audience can receive the campaign (consent, address or suppression).")


def _materialize(*, campaign: Campaign, contacts) -> int:
    """INSERT … SELECT the recipients; returns how many rows were added."""
    table = EmailMessage._meta.db_table
    select_sql, params = contacts.order_by("pk").values_list("pk", "email").query.sql_with_params()
    sql = (
        f"INSERT INTO {table} (workspace_id, campaign_id, contact_id, to_email) "  # noqa: S608 — our table names
        f"SELECT %s, %s, sub.* FROM ({select_sql}) AS sub WHERE TRUE "  # (contact id, e-mail) in that order
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.workspace_id, campaign.pk, *params])
        return max(0, cursor.rowcount)


def _ab_assign(*, campaign: Campaign, now) -> None:
    """Spread the subject lines over a random sample; hold the rest."""
    test = campaign.ab_test
    variants = len(test["subjects"])
    ids = list(EmailMessage.objects.filter(campaign_id=campaign.pk).values_list("pk", flat=True))
    sample_size = max(variants, round(len(ids) * test["sample_percent"] / 100))
    sample = ids if sample_size >= len(ids) else random.SystemRandom().sample(ids, sample_size)
    rest = set(ids) - set(sample)
    for variant in range(variants):
        chosen = sample[variant::variants]
        for start in range(0, len(chosen), 5000):
            EmailMessage.objects.filter(pk__in=chosen[start : start + 5000]).update(variant=variant)
    held = sorted(rest)
    for start in range(0, len(held), 5000):
        EmailMessage.objects.filter(pk__in=held[start : start + 5000]).update(status=S.HELD, variant=-1)
    campaign.ab_decide_at = now + timedelta(minutes=test["wait_minutes"])


def campaign_send(*, campaign: Campaign, user=None, request=None) -> Campaign:
    """Start sending now (see module docstring). 409 if it already started."""
    if campaign.ab_test:
        from billing.quotas import plan_require

        plan_require(workspace=campaign.workspace, feature="ab_tests")
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(of=("self",)).select_related("sender").get(pk=campaign.pk)
        if campaign.status not in (C.DRAFT, C.SCHEDULED):
            raise Conflict(_("This campaign was already sent."), code="campaign_already_sent")
        campaign_check_ready(campaign=campaign)
        contacts = audience_contacts(audience=campaign.audience)
        limit = int(settings.EMAIL_MAX_RECIPIENTS)
        if contacts.count() > limit:
            raise ValidationFailed(
                _("This audience is larger than %(n)d recipients; split it.") % {"n": limit},
                code="audience_too_large",
                details={"audience": [_("Too many recipients.")]},
            )
        campaign.rendered = campaign_render(campaign=campaign)
        recipients = _materialize(campaign=campaign, contacts=contacts)
        if recipients == 0:
            raise EmptyAudience(details={"audience": [str(EmptyAudience.default_message)]})
        units = credits.units_for(recipients)
        campaign.charge_key = f"emails:campaign:{campaign.pk}"
        campaign.charge_id = credits.reserve(
            workspace=campaign.workspace,
            user=user,
            module=credits.EMAIL_MODULE,
            units=units,
            key=campaign.charge_key,
            reference=f"emails.campaign:{campaign.pk}",
            action="campaign",
        )
        from billing.models import Charge

        campaign.credits_charged = Charge.unscoped.filter(pk=campaign.charge_id).values_list("credits", flat=True)[0]
        campaign.count_recipients = recipients
        campaign.started_at = campaign.last_progress_at = now
        if campaign.ab_test:
            _ab_assign(campaign=campaign, now=now)
            campaign.status = C.TESTING
        else:
            campaign.status = C.SENDING
        campaign.save()
        audit_record(
            action="emails.campaign.sent",
            request=request,
            user=user,
            workspace=campaign.workspace,
            target=campaign,
            metadata={"recipients": recipients, "credits": campaign.credits_charged},
        )
        _enqueue_dispatch(campaign)
    return campaign


def _enqueue_dispatch(campaign: Campaign) -> None:
    from emails.tasks import campaign_dispatch_task, enqueue

    enqueue(campaign_dispatch_task, workspace_id=campaign.workspace_id, campaign_id=campaign.pk)


def campaign_dispatch(*, campaign_id: int) -> int:
    """Enqueue one send task per EMAIL_BATCH_SIZE queued messages. Safe to
    repeat: the tasks claim their messages."""
    from emails.tasks import chunk_send_task, enqueue

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status not in ACTIVE:
        return 0
    size = max(1, int(settings.EMAIL_BATCH_SIZE))
    ids = list(
        EmailMessage.objects.filter(campaign_id=campaign_id, status=S.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunks = 0
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        enqueue(
            chunk_send_task,
            workspace_id=campaign.workspace_id,
            campaign_id=campaign_id,
            first_id=part[0],
            last_id=part[-1],
        )
        chunks += 1
    return chunks


def campaign_finish_if_done(*, campaign_id: int) -> bool:
    """`sending → sent` once nothing is queued, held or in flight; then settle."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.kind == Campaign.Kind.JOURNEY:
        return False
    if EmailMessage.objects.filter(campaign_id=campaign_id, status__in=(S.QUEUED, S.SENDING, S.HELD)).exists():
        return False
    finished = Campaign.objects.filter(pk=campaign_id, status=C.SENDING).update(
        status=C.SENT, finished_at=timezone.now()
    )
    Campaign.objects.filter(pk=campaign_id, status__in=(C.FAILED, C.CANCELLED), finished_at__isnull=True).update(
        finished_at=timezone.now()
    )
    campaign_settle(campaign_id=campaign_id)
    return bool(finished)


def campaign_settle(*, campaign_id: int) -> int:
    """Give back the credits of messages that were never handed over. Once."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.charge_id is None:
        return 0
    handed_over = EmailMessage.objects.filter(campaign_id=campaign_id, status=S.SENT).count()
    kept_id, given_back = credits.refund_units(
        workspace=campaign.workspace,
        charge_id=campaign.charge_id,
        keep_units=credits.units_for(handed_over),
        key=campaign.charge_key,
        reason="email_not_sent",
    )
    if kept_id != campaign.charge_id or given_back:
        from django.db.models import F

        Campaign.objects.filter(pk=campaign_id).update(
            charge_id=kept_id, credits_refunded=F("credits_refunded") + given_back
        )
    return given_back


def campaign_cancel(*, campaign: Campaign, user=None, request=None) -> Campaign:
    """Scheduled: back to a cancelled draft, nothing charged. Sending: the
    messages not yet handed over are cancelled and their credits given back."""
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (C.SCHEDULED, C.SENDING, C.TESTING, C.DRAFT):
            raise Conflict(_("This campaign has already finished."), code="campaign_finished")
        if campaign.kind == Campaign.Kind.JOURNEY:
            raise Conflict(_("Pause the journey instead."), code="journey_campaign")
        EmailMessage.objects.filter(campaign_id=campaign.pk, status__in=(S.QUEUED, S.HELD)).update(
            status=S.CANCELLED, error={"reason": "campaign_cancelled"}, updated_at=now
        )
        campaign.status = C.CANCELLED
        campaign.save(update_fields=["status", "updated_at"])
        audit_record(
            action="emails.campaign.cancelled",
            request=request,
            user=user,
            workspace=campaign.workspace,
            target=campaign,
        )
    campaign_finish_if_done(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return campaign


# --- the beat's work --------------------------------------------------------------------------------


def campaigns_start_due(*, now=None, limit: int = 50) -> int:
    """Start scheduled campaigns whose time has come (every workspace)."""
    from accounts.models import Workspace
    from nexusone.tenancy import workspace_scope

    now = now or timezone.now()
    due = list(
        Campaign.unscoped.filter(status=C.SCHEDULED, schedule_at__lte=now)
        .order_by("schedule_at")
        .values_list("pk", "workspace_id")[:limit]
    )
    started = 0
    for campaign_id, workspace_id in due:
        workspace = Workspace.objects.filter(pk=workspace_id, is_suspended=False).first()
        if workspace is None:
            continue
        with workspace_scope(workspace):
            campaign = Campaign.objects.filter(pk=campaign_id, status=C.SCHEDULED).first()
            if campaign is None:
                continue
            try:
                campaign_send(campaign=campaign, user=campaign.created_by)
                started += 1
            except ApplicationError as exc:
                Campaign.objects.filter(pk=campaign_id, status=C.SCHEDULED).update(
                    status=C.FAILED, last_error=f"{exc.code}: {exc.message}"[:500], finished_at=now
                )
                logger.info("emails: scheduled campaign %s could not start: %s", campaign_id, exc.code)
    return started


def ab_decide(*, campaign_id: int) -> int | None:
    """Pick the subject line with the best unique open (or click) rate in the
    sample and release the held recipients with it. Returns the winner."""
    from django.db.models import Count, Q

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id, status=C.TESTING).first()
        if campaign is None:
            return None
        field = "clicked_at" if campaign.ab_test.get("metric") == "clicks" else "opened_at"
        rows = (
            EmailMessage.objects.filter(campaign_id=campaign_id, variant__gte=0)
            .values("variant")
            .annotate(
                sent=Count("pk", filter=Q(status=S.SENT)), hits=Count("pk", filter=Q(**{f"{field}__isnull": False}))
            )
        )
        rates = {row["variant"]: (row["hits"] / row["sent"] if row["sent"] else 0.0) for row in rows}
        winner = max(sorted(rates), key=lambda variant: rates[variant]) if rates else 0
        EmailMessage.objects.filter(campaign_id=campaign_id, status=S.HELD).update(
            status=S.QUEUED, variant=winner, updated_at=timezone.now()
        )
        campaign.winner_variant = winner
        campaign.status = C.SENDING
        campaign.last_progress_at = timezone.now()
        campaign.save(update_fields=["winner_variant", "status", "last_progress_at", "updated_at"])
        _enqueue_dispatch(campaign)
    return winner


def campaigns_relay(*, now=None, stall_seconds: int = 120, limit: int = 200) -> list[tuple[int, int]]:
    """Active campaigns whose due messages nobody is sending (a lost task, the
    broker was down, temporary refusals came due): (workspace id, campaign id)."""
    now = now or timezone.now()
    stalled = Campaign.unscoped.filter(
        status__in=ACTIVE, last_progress_at__lt=now - timedelta(seconds=stall_seconds)
    ).values_list("pk", "workspace_id")[:limit]
    result = []
    for campaign_id, workspace_id in stalled:
        due = EmailMessage.unscoped.filter(campaign_id=campaign_id, status=S.QUEUED).exclude(next_attempt_at__gt=now)
        if due.exists():
            Campaign.unscoped.filter(pk=campaign_id).update(last_progress_at=now)
            result.append((workspace_id, campaign_id))
    return result
