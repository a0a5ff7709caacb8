"""E-mail reads. Every function needs the workspace scope."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils.translation import gettext as _

from emails.models import Campaign, EmailEvent, EmailMessage, Sender, Suppression
from nexusone.errors import NotFound

S = EmailMessage.Status


def sender_list() -> QuerySet[Sender]:
    return Sender.objects.all()


def campaign_list(*, kind: str = Campaign.Kind.BROADCAST) -> QuerySet[Campaign]:
    return Campaign.objects.filter(kind=kind).select_related("sender")


def campaign_get(*, campaign_id) -> Campaign:
    try:
        return Campaign.objects.select_related("sender").get(pk=int(campaign_id))
    except (Campaign.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Campaign not found.")) from None


def suppression_list() -> QuerySet[Suppression]:
    return Suppression.objects.all()


def message_list(*, campaign: Campaign, status: str = "") -> QuerySet[EmailMessage]:
    queryset = EmailMessage.objects.filter(campaign_id=campaign.pk).order_by("pk")
    return queryset.filter(status=status) if status else queryset


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def campaign_stats(*, campaign: Campaign) -> dict:
    """Counts, rates, A/B variants, clicks per link and an hourly timeline.

    `delivered` is what the sending service reported as delivered; over plain
    SMTP (no delivery reports) it is what the server accepted minus bounces."""
    c = campaign
    pending = EmailMessage.objects.filter(campaign_id=c.pk, status__in=(S.QUEUED, S.SENDING, S.HELD)).count()
    delivered = c.count_delivered or max(0, c.count_sent - c.count_bounced)
    subjects = c.rendered.get("subjects") or [c.subject]
    variants = []
    if c.ab_test:
        rows = (
            EmailMessage.objects.filter(campaign_id=c.pk, variant__gte=0)
            .values("variant")
            .annotate(
                sent=Count("pk", filter=Q(status=S.SENT)),
                opened=Count("pk", filter=Q(opened_at__isnull=False)),
                clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            )
            .order_by("variant")
        )
        variants = [
            {**row, "subject": subjects[row["variant"]] if row["variant"] < len(subjects) else ""} for row in rows
        ]
    links = c.rendered.get("links") or []
    clicks = {
        row["data__link"]: row["n"]
        for row in EmailEvent.objects.filter(message__campaign_id=c.pk, type=EmailEvent.Type.CLICKED)
        .values("data__link")
        .annotate(n=Count("pk"))
        .order_by()
    }
    timeline_rows = (
        EmailEvent.objects.filter(message__campaign_id=c.pk, type__in=(EmailEvent.Type.OPENED, EmailEvent.Type.CLICKED))
        .annotate(hour=TruncHour("occurred_at"))
        .values("hour")
        .annotate(
            opened=Count("pk", filter=Q(type=EmailEvent.Type.OPENED)),
            clicked=Count("pk", filter=Q(type=EmailEvent.Type.CLICKED)),
        )
        .order_by("hour")
    )
    return {
        "status": c.status,
        "recipients": c.count_recipients,
        "queued": pending,
        "sent": c.count_sent,
        "failed": c.count_failed,
        "delivered": delivered,
        "opened": c.count_opened,
        "clicked": c.count_clicked,
        "unsubscribed": c.count_unsubscribed,
        "bounced": c.count_bounced,
        "complained": c.count_complained,
        "rates": {
            "delivery": _rate(delivered, c.count_sent),
            "open": _rate(c.count_opened, delivered),
            "click": _rate(c.count_clicked, delivered),
            "click_to_open": _rate(c.count_clicked, c.count_opened),
            "unsubscribe": _rate(c.count_unsubscribed, delivered),
            "bounce": _rate(c.count_bounced, c.count_sent),
            "complaint": _rate(c.count_complained, delivered),
        },
        "variants": variants,
        "links": [{"url": url, "clicks": clicks.get(index, 0)} for index, url in enumerate(links)],
        "timeline": list(timeline_rows)[-24 * 14 :],
    }
