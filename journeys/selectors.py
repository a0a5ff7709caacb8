"""Journey reads: lists and per-step statistics."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from journeys.definition import walk
from journeys.models import Enrollment, Journey, StepRun


def journey_list() -> QuerySet[Journey]:
    return Journey.objects.order_by("-created_at", "-id")


def enrollment_list(*, journey: Journey, status: str = "") -> QuerySet[Enrollment]:
    queryset = Enrollment.objects.filter(journey_id=journey.pk).exclude(status=Enrollment.Status.BASELINE)
    return queryset.filter(status=status) if status else queryset.order_by("-created_at", "-id")


def _message_stats(step: dict) -> dict | None:
    if step.get("campaign_id"):
        from emails.models import Campaign

        campaign = Campaign.objects.filter(pk=step["campaign_id"]).first()
        if campaign is not None:
            return {
                "campaign_id": campaign.pk,
                "sent": campaign.count_sent,
                "opened": campaign.count_opened,
                "clicked": campaign.count_clicked,
                "bounced": campaign.count_bounced,
                "unsubscribed": campaign.count_unsubscribed,
                "credits": campaign.credits_charged,
            }
    if step.get("sms_campaign_id"):
        from sms.models import SmsCampaign

        campaign = SmsCampaign.objects.filter(pk=step["sms_campaign_id"]).first()
        if campaign is not None:
            return {
                "sms_campaign_id": campaign.pk,
                "sent": campaign.count_sent,
                "delivered": campaign.count_delivered,
                "failed": campaign.count_failed,
                "credits": campaign.credits_charged,
            }
    return None


def journey_stats(*, journey: Journey) -> dict:
    """Totals, and per step: how many ran it (by outcome) and are waiting at it."""
    runs: dict[str, dict[str, int]] = {}
    for step_id, outcome, count in (
        StepRun.objects.filter(journey_id=journey.pk).values_list("step_id", "outcome").annotate(n=Count("pk"))
    ):
        runs.setdefault(step_id, {})[outcome] = count
    waiting = dict(
        Enrollment.objects.filter(journey_id=journey.pk, status=Enrollment.Status.ACTIVE)
        .values_list("step_id")
        .annotate(n=Count("pk"))
    )
    totals = Enrollment.objects.filter(journey_id=journey.pk).aggregate(
        entered=Count("pk", filter=~Q(status=Enrollment.Status.BASELINE)),
        active=Count("pk", filter=Q(status=Enrollment.Status.ACTIVE)),
        completed=Count("pk", filter=Q(status=Enrollment.Status.COMPLETED)),
        exited=Count("pk", filter=Q(status=Enrollment.Status.EXITED)),
    )
    exits = dict(
        Enrollment.objects.filter(journey_id=journey.pk, status=Enrollment.Status.EXITED)
        .values_list("exit_reason")
        .annotate(n=Count("pk"))
    )
    steps = []
    for step in walk(journey.steps):
        done = runs.get(step["id"], {})
        row = {
            "id": step["id"],
            "type": step["type"],
            "done": sum(done.values()),
            "outcomes": done,
            "waiting": waiting.get(step["id"], 0),
        }
        messages = _message_stats(step)
        if messages is not None:
            row["messages"] = messages
        steps.append(row)
    return {"journey_id": journey.pk, "status": journey.status, **totals, "exit_reasons": exits, "steps": steps}
