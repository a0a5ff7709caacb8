"""Staff revenue analytics on a hand-built set of Stripe subscriptions,
invoices and charges whose MRR, churn and ARPU are worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from analytics.revenue import revenue_report, span_from_stripe, stripe_payments, stripe_spans

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PRO, PREMIUM, YEARLY = 9700, 29700, 297000


def ts(*args) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def subscription(sid, customer, amount, start, *, plan="pro", status="active", ended=None, canceled=None,
                 trial_end=None, interval="month", quantity=1) -> dict:  # fmt: skip
    """A subscription object shaped like Stripe's API answer (the fields the definitions read)."""
    return {
        "id": sid, "object": "subscription", "customer": customer, "status": status, "created": start,
        "start_date": start, "ended_at": ended, "canceled_at": canceled, "trial_end": trial_end,
        "metadata": {"plan": plan, "kind": "subscription"},
        "items": {"object": "list", "data": [{
            "id": f"si_{sid}", "object": "subscription_item", "quantity": quantity,
            "price": {"id": f"price_{plan}_{interval}", "object": "price", "nickname": plan, "unit_amount": amount,
                      "currency": "usd", "recurring": {"interval": interval, "interval_count": 1}},
        }]},
    }  # fmt: skip


SUBSCRIPTIONS = [
    subscription("sub_a", "cus_a", PRO, ts(2026, 1, 10)),  # pro from January
    subscription("sub_c1", "cus_c", PRO, ts(2026, 1, 1), status="canceled", ended=ts(2026, 3, 15)),
    subscription("sub_c2", "cus_c", PREMIUM, ts(2026, 3, 15), plan="premium"),  # upgraded in March
    subscription("sub_d", "cus_d", PRO, ts(2025, 12, 1), status="canceled", canceled=ts(2026, 4, 20)),  # churns
    subscription("sub_e", "cus_e", PRO, ts(2026, 4, 26), trial_end=ts(2026, 5, 10)),  # pays from May
    subscription("sub_f", "cus_f", PRO, ts(2026, 2, 1), status="incomplete_expired"),  # never paid
    subscription("sub_g", "cus_g", YEARLY, ts(2026, 5, 1), plan="premium", interval="year"),  # 24,750 a month
    subscription("sub_h1", "cus_h", PREMIUM, ts(2026, 1, 1), plan="premium", status="canceled", ended=ts(2026, 5, 3)),
    subscription("sub_h2", "cus_h", PRO, ts(2026, 5, 3)),  # downgraded in May
]


def _months():
    spans = [span_from_stripe(s) for s in SUBSCRIPTIONS]
    return {m.month: m for m in revenue_report(now=NOW, spans=spans, payments={})}


def test_mrr_arr_and_the_net_new_mrr_components():
    months = _months()
    assert len(months) == 12 and min(months) == date(2025, 7, 1) and max(months) == date(2026, 6, 1)
    expected_mrr = {
        date(2025, 12, 1): PRO,  # d
        date(2026, 1, 1): PRO * 3 + PREMIUM,  # a, c1, d, h1
        date(2026, 2, 1): PRO * 3 + PREMIUM,
        date(2026, 3, 1): PRO * 2 + PREMIUM * 2,  # a, d, c2, h1
        date(2026, 4, 1): PRO + PREMIUM * 2,  # d churned
        date(2026, 5, 1): PRO * 3 + PREMIUM + 24750,  # a, e, h2, c2, g
        date(2026, 6, 1): PRO * 3 + PREMIUM + 24750,
    }
    for month, mrr in expected_mrr.items():
        assert months[month].mrr == mrr, month
        assert months[month].arr == 12 * mrr
    jan, mar, apr, may = (months[date(2026, m, 1)] for m in (1, 3, 4, 5))
    assert (jan.new, jan.expansion, jan.contraction, jan.churn) == (PRO * 2 + PREMIUM, 0, 0, 0)
    assert (mar.new, mar.expansion, mar.contraction, mar.churn) == (0, PREMIUM - PRO, 0, 0)
    assert (apr.churn, apr.churned_customers) == (PRO, 1)
    assert apr.logo_churn == pytest.approx(1 / 4) and apr.revenue_churn == pytest.approx(PRO / (PRO * 2 + PREMIUM * 2))
    assert (may.new, may.contraction) == (PRO + 24750, PREMIUM - PRO)
    for month in months.values():  # the identity holds every month
        previous = [m for m in months.values() if m.month < month.month]
        if previous:
            assert month.net_new == month.mrr - max(previous, key=lambda m: m.month).mrr


def test_paying_workspaces_and_arpu_by_plan():
    june = _months()[date(2026, 6, 1)]
    assert june.paying == 5
    assert june.by_plan["pro"] == {"customers": 3, "mrr": PRO * 3, "arpu": PRO}
    assert june.by_plan["premium"] == {"customers": 2, "mrr": PREMIUM + 24750, "arpu": round((PREMIUM + 24750) / 2)}


@pytest.mark.django_db
def test_figures_come_from_dj_stripes_rows():
    from djstripe.models import Charge, Customer, Invoice, Subscription

    for sid in ("cus_a", "cus_d"):
        Customer.objects.create(id=sid, stripe_data={"id": sid, "object": "customer"})
    for data in SUBSCRIPTIONS[:1] + SUBSCRIPTIONS[3:4]:
        Subscription.objects.create(id=data["id"], customer_id=data["customer"], stripe_data=data)

    def charge(cid, amount, created, **extra):
        data = {"id": cid, "object": "charge", "amount": amount, "amount_refunded": 0, "currency": "usd",
                "status": "succeeded", "created": created, "invoice": None, "metadata": {}, **extra}  # fmt: skip
        Charge.objects.create(id=cid, amount=amount / 100, currency="usd", status=data["status"], stripe_data=data,
                              created=datetime.fromtimestamp(created, tz=UTC))  # fmt: skip

    charge("ch_topup1", 4900, ts(2026, 5, 3), metadata={"kind": "topup", "pack": "small"})
    charge("ch_topup2", 2900, ts(2026, 5, 20), amount_refunded=1000, metadata={"kind": "topup"})
    charge("ch_failed", 4900, ts(2026, 5, 21), status="failed", metadata={"kind": "topup"})
    charge("ch_invoice", PRO, ts(2026, 5, 10), invoice="in_1")  # a subscription payment: not a top-up
    Invoice.objects.create(id="in_1", customer_id="cus_a", created=datetime(2026, 5, 10, tzinfo=UTC),
                           stripe_data={"id": "in_1", "object": "invoice", "status": "paid", "paid": True,
                                        "amount_paid": PRO, "created": ts(2026, 5, 10)})  # fmt: skip
    Invoice.objects.create(id="in_2", customer_id="cus_a", created=datetime(2026, 5, 11, tzinfo=UTC),
                           stripe_data={"id": "in_2", "object": "invoice", "status": "open", "paid": False,
                                        "amount_paid": 0, "created": ts(2026, 5, 11)})  # fmt: skip

    assert {s.customer for s in stripe_spans()} == {"cus_a", "cus_d"}
    assert stripe_payments(since=date(2026, 1, 1))[date(2026, 5, 1)] == (4900 + 1900, PRO)
    may = {m.month: m for m in revenue_report(now=NOW)}[date(2026, 5, 1)]
    assert (may.mrr, may.topups, may.invoiced) == (PRO, 6800, PRO)


@pytest.mark.django_db
def test_the_staff_pages_are_for_staff_only_and_export_csv(world):
    from accounts.tests.factories import UserFactory

    staff_user = UserFactory(is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(staff_user)
    url = "/admin/analytics/staffanalytics/"
    for report in ("revenue", "modules", "users"):
        assert staff.get(f"{url}?report={report}").status_code == 200
    exported = staff.get(f"{url}?report=revenue&format=csv")
    assert exported["Content-Type"].startswith("text/csv") and exported.content.decode().startswith("Month,MRR,ARR")
    member = Client()
    member.force_login(world["A"].users["owner"])
    assert member.get(url).status_code == 302  # to the admin login
