"""Customer segments from orders: RFM scores and named segments against
hand-computed values, saved as CRM segments through the CRM's services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.segments import rank_scores
from commerce.tests.factories import make_order, make_store
from crm.models import Contact, Segment
from crm.tests.factories import make_contact

pytestmark = pytest.mark.django_db

PREDICT = "/api/v1/crm/segments/predict"


def test_rank_scores_by_hand():
    # strictly worse values among 5: 0,1,2,3,4 → scores 1..5; ties share the lower rank
    assert rank_scores([10, 20, 30, 40, 50]) == [1, 2, 3, 4, 5]
    assert rank_scores([1, 1, 3, 4, 6]) == [1, 1, 3, 4, 5]
    assert rank_scores([2, 10, 3, 200, 300], higher_is_better=False) == [5, 3, 4, 2, 1]
    assert rank_scores([7]) == [1]


@pytest.fixture
def customers(shop):
    """Five customers (orders, days since the last, revenue) and two orders that are not scored."""
    ws = shop.workspace
    store = make_store(ws)
    now = timezone.now()
    people = {}
    for name, orders, last_days, revenue in (("A", 6, 2, 60000), ("B", 4, 10, 40000), ("C", 1, 3, 5000),
                                             ("D", 3, 200, 30000), ("E", 1, 300, 1000)):  # fmt: skip
        contact = make_contact(ws, first_name=name, email=f"{name.lower()}@example.com")
        people[name] = contact
        for i in range(orders):
            make_order(ws, store=store, contact=contact, total_cents=revenue // orders,
                       placed_at=now - timedelta(days=last_days + 7 * i))  # fmt: skip
    make_order(ws, store=store, contact=None, placed_at=now - timedelta(days=1))
    make_order(ws, store=store, contact=people["E"], placed_at=now - timedelta(days=1), status="cancelled")
    return people


def test_predicted_segments_by_hand(shop, customers):
    answer = shop.client("member").post(PREDICT, {}, format="json")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert (data["customers"], data["orders_without_contact"], data["saved"]) == (5, 1, [])
    by_key = {segment["key"]: segment for segment in data["segments"]}
    assert list(by_key) == ["champions", "loyal", "at_risk", "hibernating", "new"]
    members = {key: [row["contact_id"] for row in segment["sample"]] for key, segment in by_key.items()}
    c = {name: contact.pk for name, contact in customers.items()}
    # R: days 2,10,3,200,300 → 5,3,4,2,1; F: 6,4,1,3,1 → 5,4,1,3,1; M: 60000,40000,5000,30000,1000 → 5,4,2,3,1
    # A R5 FM5 → champions; B R3 → loyal; C one order R4 → new; D R2 FM3 → at risk; E R1 FM1 → hibernating
    assert members == {"champions": [c["A"]], "loyal": [c["B"]], "at_risk": [c["D"]], "hibernating": [c["E"]],
                       "new": [c["C"]]}  # fmt: skip
    a = by_key["champions"]["sample"][0]
    assert (a["recency_days"], a["orders"], a["revenue_cents"], a["r"], a["f"], a["m"]) == (2, 6, 60000, 5, 5, 5)
    e = by_key["hibernating"]["sample"][0]
    assert (e["orders"], e["r"], e["f"], e["m"]) == (1, 1, 1, 1)  # the cancelled order is not counted


def test_saving_tags_contacts_and_keeps_one_crm_segment(shop, customers):
    Contact.unscoped.filter(pk=customers["B"].pk).update(tags=["vip", "rfm-champions"])  # left the segment
    client = shop.client("member")
    answer = client.post(PREDICT, {"save": ["champions", "at_risk"]}, format="json")
    assert answer.status_code == 200, answer.content
    saved = {row["key"]: row for row in answer.json()["saved"]}
    assert saved["champions"]["tag"] == "rfm-champions" and saved["champions"]["contacts"] == 1
    tags = dict(Contact.unscoped.filter(workspace=shop.workspace).values_list("first_name", "tags"))
    assert "rfm-champions" in tags["A"] and "rfm-at-risk" in tags["D"]
    assert tags["B"] == ["vip"]
    segment = Segment.unscoped.get(pk=saved["champions"]["segment_id"])
    assert segment.definition == {"tags_any": ["rfm-champions"]} and segment.name == "RFM: Champions"
    preview = client.get(f"/api/v1/crm/segments/{segment.pk}/preview").json()
    assert [row["id"] for row in preview["results"]] == [customers["A"].pk]
    again = client.post(PREDICT, {"save": ["champions"]}, format="json").json()
    assert again["saved"][0]["segment_id"] == segment.pk
    assert Segment.unscoped.filter(workspace=shop.workspace).count() == 2


def test_predict_rules_and_isolation(shop, customers, world):
    assert shop.client("viewer").post(PREDICT, {}, format="json").status_code == 403
    assert shop.client("member").post(PREDICT, {"save": ["vip"]}, format="json").status_code == 400
    assert shop.client("member").post(PREDICT, {"days": 5}, format="json").status_code == 400
    other = world["B"].client("member").post(PREDICT, {"save": ["champions"]}, format="json").json()
    assert other["customers"] == 0 and other["saved"][0]["contacts"] == 0
    assert Contact.unscoped.get(pk=customers["A"].pk).tags == []  # B's save left A's contacts alone
