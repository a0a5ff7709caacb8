"""Customer segments predicted from orders (seed 003 `predict-segments`):
RFM scores and named segments that can be saved as CRM segments.

Per CRM contact with orders in the window (cancelled orders left out; orders
not linked to a contact are counted, not scored):
- recency R: days since the last order, fewer is better;
- frequency F: number of orders;
- monetary M: the orders' total (minor units, as each store sells).
Each is scored 1–5 by its rank among the workspace's customers:
`score = 1 + min(4, ⌊5 × worse / n⌋)`, where `worse` is how many customers
have a strictly worse value (ties share a score). FM = ⌈(F + M) / 2⌉.

Named segments, the first rule that holds:
1. new          — one order, R ≥ 3
2. champions    — R ≥ 4 and FM ≥ 4
3. loyal        — R ≥ 3 (repeat buyers, recent)
4. at_risk      — FM ≥ 3 (valuable, but R ≤ 2)
5. hibernating  — the rest (few, small orders, long ago)

Saving a segment tags its contacts `rfm-<key>` through the CRM's services,
untags the contacts that left it, and creates (or keeps) the CRM segment
"RFM: <name>" whose filter is that tag — so it can be reused by journeys
and campaigns like any segment, and a later save refreshes it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commerce.models import Order

SEGMENTS = ("champions", "loyal", "at_risk", "hibernating", "new")
NAMES = {
    "champions": gettext_lazy("Champions"),
    "loyal": gettext_lazy("Loyal"),
    "at_risk": gettext_lazy("At risk"),
    "hibernating": gettext_lazy("Hibernating"),
    "new": gettext_lazy("New"),
}
RULES = {
    "new": gettext_lazy("One order, bought recently (R ≥ 3)."),
    "champions": gettext_lazy("Bought recently, often and for a lot (R ≥ 4, FM ≥ 4)."),
    "loyal": gettext_lazy("Repeat buyers who bought recently (R ≥ 3)."),
    "at_risk": gettext_lazy("Bought often or for a lot, but not for a while (R ≤ 2, FM ≥ 3)."),
    "hibernating": gettext_lazy("Few, small orders, long ago (R ≤ 2, FM ≤ 2)."),
}
SAMPLE = 10
BATCH = 1000


@dataclass
class CustomerScore:
    contact_id: int
    recency_days: int
    orders: int
    revenue_cents: int
    r: int = 0
    f: int = 0
    m: int = 0
    segment: str = ""

    @property
    def fm(self) -> int:
        return (self.f + self.m + 1) // 2


@dataclass
class Prediction:
    days: int
    customers: int
    orders_without_contact: int
    segments: dict[str, list[CustomerScore]] = field(default_factory=dict)


def rank_scores(values: list[float], *, higher_is_better: bool = True) -> list[int]:
    """1–5 per value by how many values are strictly worse (see the module docstring)."""
    n = len(values)
    ordered = sorted(values)
    scores = []
    for value in values:
        worse = bisect.bisect_left(ordered, value) if higher_is_better else n - bisect.bisect_right(ordered, value)
        scores.append(1 + min(4, (5 * worse) // n))
    return scores


def segment_of(score: CustomerScore) -> str:
    if score.orders == 1 and score.r >= 3:
        return "new"
    if score.r >= 4 and score.fm >= 4:
        return "champions"
    if score.r >= 3:
        return "loyal"
    if score.fm >= 3:
        return "at_risk"
    return "hibernating"


def segments_predict(*, days: int = 365, now=None) -> Prediction:
    """RFM scores of the active workspace's customers over the last `days` days, grouped by segment."""
    now = now or timezone.now()
    orders = Order.objects.exclude(status=Order.Fulfillment.CANCELLED).filter(
        placed_at__gte=now - timedelta(days=days), placed_at__lte=now
    )
    rows = list(
        orders.filter(contact__isnull=False)
        .values("contact_id")
        .annotate(last=Max("placed_at"), count=Count("id"), revenue=Sum("total_cents"))
        .order_by("contact_id")
    )
    scores = [CustomerScore(contact_id=row["contact_id"], recency_days=max(0, (now - row["last"]).days),
                            orders=row["count"], revenue_cents=int(row["revenue"] or 0)) for row in rows]  # fmt: skip
    if scores:
        for attribute, values, higher in (
            ("r", [s.recency_days for s in scores], False),
            ("f", [s.orders for s in scores], True),
            ("m", [s.revenue_cents for s in scores], True),
        ):
            for score, value in zip(scores, rank_scores(values, higher_is_better=higher), strict=True):
                setattr(score, attribute, value)
    prediction = Prediction(days=days, customers=len(scores),
                            orders_without_contact=orders.filter(contact__isnull=True).count(),
                            segments={key: [] for key in SEGMENTS})  # fmt: skip
    for score in scores:
        score.segment = segment_of(score)
        prediction.segments[score.segment].append(score)
    for members in prediction.segments.values():
        members.sort(key=lambda s: (-s.revenue_cents, s.contact_id))
    return prediction


def tag_for(key: str) -> str:
    return f"rfm-{key.replace('_', '-')}"


def segments_save(*, workspace, prediction: Prediction, keys: list[str], user=None) -> list[dict]:
    """Tag each chosen segment's contacts, untag those that left, and keep one CRM segment per tag."""
    from crm import services as crm
    from crm.models import Contact, Segment
    from crm.selectors import segment_filter_q

    saved = []
    segments = list(Segment.objects.all())
    for key in keys:
        tag = tag_for(key)
        definition = {"tags_any": [tag]}
        members = {score.contact_id for score in prediction.segments[key]}
        tagged = set(Contact.objects.filter(segment_filter_q(definition)).values_list("pk", flat=True))
        for ids, change in ((sorted(members - tagged), "add_tags"), (sorted(tagged - members), "remove_tags")):
            for begin in range(0, len(ids), BATCH):
                crm.contacts_bulk_update(workspace=workspace, ids=ids[begin : begin + BATCH], user=user,
                                         **{change: [tag]})  # fmt: skip
        segment = next((s for s in segments if s.definition == definition), None)
        if segment is None:
            segment = crm.segment_create(
                workspace=workspace,
                name=_("RFM: %(name)s") % {"name": NAMES[key]},
                description=str(RULES[key]),
                definition=definition,
                user=user,
            )
        saved.append({"key": key, "segment_id": segment.pk, "tag": tag, "contacts": len(members)})
    return saved
