"""Engagement score, 0–100: how much a contact engaged, and how recently.

The formula::

    score = clamp(round( Σ POINTS[type] × 0.5 ** (age_days / HALF_LIFE_DAYS) ), 0, 100)

summed over the contact's activities of the last `WINDOW_DAYS`, where
`age_days` is the activity's age at scoring time (future-dated activities
count as age 0). Each activity type is worth `POINTS[type]` when fresh and
half of that after 30 days, a quarter after 60 …, so frequency raises the
score (points add up) and recency keeps it (points decay). Internal records —
notes, stage changes, merges — are worth 0. Examples: one form submission
today = 10; a purchase today plus three page visits last week ≈ 25 + 3×2×0.85
≈ 30; the same purchase 90 days ago alone ≈ 3. Beyond 365 days an activity
contributes less than 0.03 % of its points and is ignored.

When it is recomputed: for one contact whenever an activity is added
(`contact_score_refresh`), and for a whole workspace nightly by the beat task
`crm.tasks.crm_nightly` (`workspace_rescore`), so scores decay without new
activity.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from crm.models import Activity, ActivityType, Contact

HALF_LIFE_DAYS = 30.0
WINDOW_DAYS = 365
MAX_SCORE = 100

POINTS: dict[str, float] = {
    ActivityType.NOTE: 0,
    ActivityType.STAGE_CHANGE: 0,
    ActivityType.MERGE: 0,
    ActivityType.PAGE_VISIT: 2,
    ActivityType.EMAIL: 3,
    ActivityType.WHATSAPP_MESSAGE: 4,
    ActivityType.CALL: 8,
    ActivityType.MEETING: 10,
    ActivityType.FORM_SUBMIT: 10,
    ActivityType.PURCHASE: 25,
}


def activity_points(activity_type: str, occurred_at: datetime, now: datetime) -> float:
    age_days = max(0.0, (now - occurred_at).total_seconds() / 86400)
    return POINTS.get(activity_type, 0) * 0.5 ** (age_days / HALF_LIFE_DAYS)


def score_from_activities(activities: Iterable[tuple[str, datetime]], *, now: datetime) -> int:
    """The formula above over `(type, occurred_at)` pairs."""
    total = sum(activity_points(kind, occurred_at, now) for kind, occurred_at in activities)
    return max(0, min(MAX_SCORE, round(total)))


def _window_start(now: datetime) -> datetime:
    return now - timedelta(days=WINDOW_DAYS)


def contact_score_refresh(*, contact: Contact, now: datetime | None = None) -> int:
    """Recompute one contact's score (and `last_activity_at`) from its
    activities and store both. Needs the contact's workspace scope."""
    now = now or timezone.now()
    rows = list(
        Activity.objects.filter(contact_id=contact.pk, occurred_at__gte=_window_start(now))
        .order_by()
        .values_list("type", "occurred_at")
    )
    score = score_from_activities(rows, now=now)
    last = (
        Activity.objects.filter(contact_id=contact.pk)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    Contact.objects.filter(pk=contact.pk).update(engagement_score=score, last_activity_at=last)
    contact.engagement_score, contact.last_activity_at = score, last
    return score


def workspace_rescore(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Recompute every contact's score in the active workspace; returns how
    many changed. Streams the activities of the window ordered by contact, so
    memory holds one contact's activities plus one batch of updates."""
    now = now or timezone.now()
    start = _window_start(now)
    changed: list[Contact] = []
    count = 0

    def flush() -> None:
        nonlocal count
        if changed:
            Contact.objects.bulk_update(changed, ["engagement_score"], batch_size=batch_size)
            count += len(changed)
            changed.clear()

    rows = (
        Activity.objects.filter(occurred_at__gte=start)
        .order_by("contact_id")
        .values_list("contact_id", "type", "occurred_at", "contact__engagement_score")
        .iterator(chunk_size=5000)
    )
    current_id, current_score, items = None, 0, []
    for contact_id, kind, occurred_at, stored in rows:
        if contact_id != current_id:
            if current_id is not None:
                score = score_from_activities(items, now=now)
                if score != current_score:
                    changed.append(Contact(pk=current_id, engagement_score=score))
                    if len(changed) >= batch_size:
                        flush()
            current_id, current_score, items = contact_id, stored, []
        items.append((kind, occurred_at))
    if current_id is not None:
        score = score_from_activities(items, now=now)
        if score != current_score:
            changed.append(Contact(pk=current_id, engagement_score=score))
    flush()
    # Contacts whose activities all left the window decay to 0.
    active = Activity.objects.filter(occurred_at__gte=start).values("contact_id")
    count += Contact.objects.filter(engagement_score__gt=0).exclude(pk__in=active).update(engagement_score=0)
    return count
