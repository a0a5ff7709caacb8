"""The demo workspace of `make run` (`manage.py load_demo`): realistic sample
data in every module, so every page has something to show.

It lives in the project package because it composes every app (accounts
imports none of them). Each part runs through the apps' own services — the
charge door debits the credits, the offline providers write the texts, the
public form service turns page leads into CRM contacts — and is then moved
into the past: the ledger, charges, usage events and the rows they made get
timestamps spread over the last 30 days *in the order they were written*, so
the ledger's running balance still reads forward in time and the usage page
agrees with it. The analytics rollups are then rebuilt for that range.

Idempotent: each part runs only when its module holds nothing yet in the
demo workspace, so running the command twice changes nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

DAYS = 30


@dataclass
class _Marks:
    ledger: int
    usage: int
    started: datetime


def _marks(workspace) -> _Marks:
    from analytics.models import UsageEvent
    from billing.models import LedgerEntry

    last_ledger = LedgerEntry.unscoped.filter(workspace=workspace).order_by("-id").values_list("id", flat=True).first()
    last_usage = UsageEvent.unscoped.filter(workspace=workspace).order_by("-id").values_list("id", flat=True).first()
    return _Marks(ledger=last_ledger or 0, usage=last_usage or 0, started=timezone.now())


def _backdate_money(workspace, marks: _Marks, when: datetime) -> None:
    """Move the ledger entries, charges and usage events written since `marks` to `when`."""
    from analytics.models import UsageEvent
    from billing.models import Charge, LedgerEntry

    LedgerEntry.unscoped.filter(workspace=workspace, id__gt=marks.ledger).update(created_at=when)
    UsageEvent.unscoped.filter(workspace=workspace, id__gt=marks.usage).update(created_at=when)
    Charge.unscoped.filter(workspace=workspace, created_at__gte=marks.started).update(created_at=when)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    now = timezone.now()
    moment = (now - timedelta(days=days_ago)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return min(moment, now - timedelta(minutes=5))


def seed(*, workspace, user) -> list[str]:
    """Fill `workspace` with sample data; returns the parts it wrote."""
    from django.db import transaction

    from nexusone.tenancy import workspace_scope

    written = []
    # All or nothing: a part that fails leaves no half-seeded module behind (each part runs once).
    with transaction.atomic(), workspace_scope(workspace):
        if _billing(workspace, user):
            written.append("billing")
        steps: list[tuple[datetime, Callable[[], None]]] = []
        for name, part in (
            ("contacts", _contacts),
            ("content", _content),
            ("pages", _pages),
            ("whatsapp", _whatsapp),
            ("agents", _agents),
            ("journeys", _journeys),
        ):
            planned = part(workspace, user)
            if planned:
                written.append(name)
                steps.extend(planned)
        for when, run in sorted(steps, key=lambda step: step[0]):  # in time order: the ledger reads forward
            marks = _marks(workspace)
            run()
            _backdate_money(workspace, marks, when)
        if steps:  # nothing of it was spent today (the daily spend guard's counter)
            from billing.models import BillingAccount

            BillingAccount.unscoped.filter(workspace=workspace).update(spent_today=0)
    if len(written) > 1 or "billing" not in written:
        from analytics import rollups

        rollups.rebuild(start=_at(DAYS + 1, 0), end=timezone.now() + timedelta(hours=1), workspace_ids=[workspace.pk])
    return written


# --- billing: the Pro plan and a top-up, 29 days ago ----------------------------------------------


def _billing(workspace, user) -> bool:
    from billing import services as billing
    from billing.models import BillingAccount, LedgerEntry, Plan

    if LedgerEntry.unscoped.filter(workspace=workspace, kind=LedgerEntry.Kind.PURCHASE).exists():
        return False
    pro = Plan.objects.filter(key="pro").first()
    if pro is not None:
        billing.plan_change(workspace=workspace, plan=pro, reason="Demo workspace", actor=None)
    billing.credits_purchase(workspace=workspace, credits=400, idempotency_key="demo:top-up", reference="demo")
    start = _at(DAYS - 1, 8)
    for offset, entry_id in enumerate(
        LedgerEntry.unscoped.filter(workspace=workspace).order_by("id").values_list("id", flat=True)
    ):
        LedgerEntry.unscoped.filter(pk=entry_id).update(created_at=start + timedelta(minutes=offset))
    BillingAccount.unscoped.filter(workspace=workspace).update(
        current_period_start=start, current_period_end=billing.add_months(start, 1)
    )
    return True


# --- CRM: contacts with their timelines ---------------------------------------------------------------

CONTACTS = [
    # first, last, company, stage, tags, language, days ago
    ("Maria", "Silva", "Café Aurora", "customer", ["vip", "wholesale"], "pt", 28),
    ("James", "Carter", "Carter Outdoor", "prospect", ["newsletter"], "en", 27),
    ("Lucía", "Fernández", "Moda Lucía", "customer", ["vip"], "es", 25),
    ("Omar", "Haddad", "Haddad Electronics", "lead", ["trade-show"], "ar", 24),
    ("Noa", "Levi", "Levi Design Studio", "prospect", ["newsletter", "design"], "he", 22),
    ("Emily", "Nguyen", "Bloom Florist", "customer", ["repeat"], "en", 20),
    ("Pedro", "Almeida", "Almeida & Filhos", "lead", ["wholesale"], "pt", 18),
    ("Sofia", "Rossi", "Rossi Ceramics", "churned", ["newsletter"], "en", 16),
    ("Daniel", "Cohen", "Cohen Fitness", "prospect", ["fitness"], "he", 13),
    ("Valentina", "Gómez", "Dulce Valentina", "lead", ["bakery"], "es", 10),
    ("Layla", "Mansour", "Mansour Perfumes", "customer", ["vip"], "ar", 7),
    ("Ethan", "Brooks", "Brooks Bikes", "lead", ["trade-show"], "en", 3),
]
ACTIVITIES = [
    ("note", {"text": "Asked for the wholesale price list."}),
    ("call", {"text": "Intro call: interested in the spring collection.", "duration_minutes": 15}),
    ("email", {"subject": "Your quote", "text": "Sent the quote for 40 units."}),
    ("meeting", {"text": "Showroom visit; liked the new packaging."}),
    ("purchase", {"text": "Order #1042", "amount": "240.00", "currency": "USD"}),
]


def _contacts(workspace, user):
    from crm.models import Contact

    if Contact.objects.exists():
        return []
    steps = []
    for index, (first, last, company, stage, tags, language, days) in enumerate(CONTACTS):

        def run(index=index, first=first, last=last, company=company, stage=stage, tags=tags, language=language,
                days=days):  # fmt: skip
            from crm import services as crm

            contact = crm.contact_create(
                workspace=workspace,
                user=user,
                source="manual",
                idempotency_key=f"demo:contact:{index}",
                data={
                    "first_name": first,
                    "last_name": last,
                    "email": _ascii(f"{first}.{last}@example.com").lower(),
                    "phone": f"+1415555{1000 + index * 7:04d}",
                    "company": company,
                    "stage": stage,
                    "tags": tags,
                    "language": language,
                    "email_opt_in": True,
                    "whatsapp_opt_in": index % 3 != 2,
                },
            )
            created = _at(days, 10, index)
            Contact.objects.filter(pk=contact.pk).update(created_at=created)
            for step, (kind, payload) in enumerate(ACTIVITIES[: 2 + index % 4]):
                crm.activity_add(
                    contact=contact,
                    type=kind,
                    payload=payload,
                    occurred_at=min(created + timedelta(days=step * 2, hours=3), timezone.now()),
                    actor=user,
                )

        steps.append((_at(days, 10, index), run))
    return steps


# --- content: history in several languages, a batch of ideas -------------------------------------------

GENERATIONS = [
    ("social_media", "en", "friendly", "Spring collection launch: handmade ceramic mugs", 26),
    ("marketing_copy", "en", "persuasive", "Free shipping weekend for orders over $50", 21),
    ("email", "es", "professional", "Bienvenida a nuevos clientes de la tienda", 17),
    ("blog_post", "en", "informative", "How to care for handmade ceramics", 12),
    ("social_media", "pt", "casual", "Novos aromas de velas artesanais", 8),
    ("social_media", "ar", "friendly", "تخفيضات نهاية الأسبوع على العطور", 5),
    ("text", "he", "professional", "מבצע השקה לקולקציית הקיץ", 2),
]


def _content(workspace, user):
    from content.models import Generation, IdeaBatch

    if Generation.objects.exists():
        return []
    steps = []
    for index, (kind, language, tone, prompt, days) in enumerate(GENERATIONS):

        def run(index=index, kind=kind, language=language, tone=tone, prompt=prompt, days=days):
            from content import services as content

            generation = content.content_generate(
                workspace=workspace, user=user, prompt=prompt, type=kind, language=language, tone=tone,
                length="medium", idempotency_key=f"demo:generation:{index}",
            )  # fmt: skip
            Generation.objects.filter(pk=generation.pk).update(created_at=_at(days, 11, index))

        steps.append((_at(days, 11, index), run))

    def ideas():
        from content import services as content

        batch = content.ideas_generate(
            workspace=workspace, user=user, niche="eco-friendly home goods", language="en", budget=2000,
            idempotency_key="demo:ideas",
        )  # fmt: skip
        IdeaBatch.objects.filter(pk=batch.pk).update(created_at=_at(15, 14))

    steps.append((_at(15, 14), ideas))
    return steps


# --- magic pages: a published page with views and leads ------------------------------------------------

LEADS = [
    ("Hannah Schmidt", "hannah.schmidt@example.com", "Do you ship to Germany?", 18),
    ("Carlos Ruiz", "carlos.ruiz@example.com", "I'd like the wholesale catalogue.", 14),
    ("Aisha Rahman", "aisha.rahman@example.com", "", 9),
    ("Tom Becker", "tom.becker@example.com", "Is the gift box available?", 6),
    ("Yael Friedman", "yael.friedman@example.com", "", 4),
    ("Grace Kim", "grace.kim@example.com", "Can I pick up in store?", 1),
]


def _pages(workspace, user):
    from content.models import LandingPage, LandingPageSubmission

    if LandingPage.objects.exists():
        return []
    state: dict = {}

    def create():
        from content import landing_services as pages

        page = pages.landing_page_create(
            workspace=workspace, user=user, title="Handmade Ceramics Spring Sale",
            description="Hand-thrown mugs, bowls and vases from our studio, 20% off this spring.",
            target_audience="Home decor lovers and gift shoppers", goal="lead_generation", industry="Home decor",
            language="en", theme="modern", idempotency_key="demo:page",
        )  # fmt: skip
        # real customers' words replace the generated (sample) testimonials: only then may it be published
        proof = dict(page.sections["social_proof"])
        proof["testimonials"] = [
            {"quote": "The mugs keep my coffee warm and every one is slightly different. Lovely work.",
             "author": "Hannah S.", "role": "Customer since 2024"},
            {"quote": "Ordered twelve bowls for our café; they arrived in two days, perfectly packed.",
             "author": "Carlos R.", "role": "Café owner"},
        ]  # fmt: skip
        page = pages.landing_page_update(page=page, data={"sections": {"social_proof": proof}})
        page = pages.landing_page_publish(page=page, actor=user)
        LandingPage.objects.filter(pk=page.pk).update(created_at=_at(20, 9), published_at=_at(20, 10), views=184)
        state["page"] = page

    steps = [(_at(20, 9), create)]
    for index, (name, email, message, days) in enumerate(LEADS):

        def lead(name=name, email=email, message=message, days=days, index=index):
            from content import landing_services as pages

            submission, _created = pages.landing_page_submit(page=state["page"], name=name, email=email,
                                                             message=message)  # fmt: skip
            when = _at(days, 16, index)
            LandingPageSubmission.objects.filter(pk=submission.pk).update(created_at=when)
            if submission.crm_contact_id:  # the lead's contact and its form activity date from the submission
                from crm.models import Activity, Contact

                Contact.objects.filter(pk=submission.crm_contact_id, source_import_id=None).update(
                    created_at=when, last_activity_at=when
                )
                Activity.objects.filter(contact_id=submission.crm_contact_id, type="form_submit").update(
                    occurred_at=when
                )

        steps.append((_at(days, 16, index), lead))

    def views():
        from analytics.rollups import bump

        page = state["page"]
        for days in range(20):
            bump(workspace_id=workspace.pk, module="magic_pages", metric="views", value=4 + (days * 7) % 11,
                 at=_at(days, 12), dimension=str(page.pk))  # fmt: skip

    steps.append((_at(0, 0), views))
    return steps


# --- WhatsApp: a connected sandbox number and a finished broadcast -------------------------------------


def _whatsapp(workspace, user):
    from whatsapp.models import Broadcast, Message, WhatsAppAccount

    if WhatsAppAccount.objects.exists():
        return []

    def broadcast():
        from billing.charging import charge_commit, charge_reserve
        from crm.models import Contact
        from whatsapp.services.accounts import account_connect

        account = account_connect(workspace=workspace, user=user, phone_number_id="", waba_id="demo-waba",
                                  display_phone_number="+1 415 555 0100", name="Demo Store")  # fmt: skip
        contacts = list(Contact.objects.filter(whatsapp_opt_in=True).order_by("id").values_list("id", "phone"))
        sent_at = _at(11, 17)
        charge_id = charge_reserve(workspace=workspace, user=user, module="whatsapp_bot", quantity=len(contacts),
                                   idempotency_key="demo:broadcast", reference="demo broadcast")  # fmt: skip
        charge_commit(charge_id)
        statuses = ["read", "read", "delivered", "read", "delivered", "failed", "read", "delivered"]
        counts = {"sent": 0, "delivered": 0, "read": 0, "failed": 0}
        record = Broadcast.objects.create(
            account=account, name="Spring sale: 20% off", created_by=user, status=Broadcast.Status.COMPLETED,
            message={"type": "text", "text": {"body": "Our spring sale starts today: 20% off handmade ceramics!"}},
            started_at=sent_at, finished_at=sent_at + timedelta(minutes=2), unit_cost=5,
            credits_charged=5 * len(contacts), count_requested=len(contacts), count_total=len(contacts),
        )  # fmt: skip
        for index, (contact_id, phone) in enumerate(contacts):
            status = statuses[index % len(statuses)]
            counts[status] += 1
            reached = status in ("delivered", "read")
            Message.objects.create(
                account=account, broadcast=record, contact_id=contact_id, to=phone, status=status,
                body="Our spring sale starts today: 20% off handmade ceramics!", wamid=f"wamid.demo.{index}",
                sent_at=sent_at, delivered_at=sent_at + timedelta(minutes=1) if reached else None,
                read_at=sent_at + timedelta(minutes=40) if status == "read" else None,
                failed_at=sent_at + timedelta(minutes=1) if status == "failed" else None,
                error_reason="undeliverable" if status == "failed" else "",
            )  # fmt: skip
        Broadcast.objects.filter(pk=record.pk).update(
            created_at=sent_at, count_delivered=counts["delivered"], count_read=counts["read"],
            count_failed=counts["failed"],
        )  # fmt: skip
        Message.objects.filter(broadcast=record).update(created_at=sent_at)
        WhatsAppAccount.objects.filter(pk=account.pk).update(created_at=_at(12, 9))

    return [(_at(11, 17), broadcast)]


# --- AI agents and journeys -----------------------------------------------------------------------------


def _agents(workspace, user):
    from agents.models import Agent

    if Agent.objects.exists():
        return []

    def create():
        from agents import services as agents

        agent = agents.agent_create(
            workspace=workspace, user=user, idempotency_key="demo:agent",
            values={"name": "Shop assistant", "language": "en",
                    "instructions": "You answer customers of Demo Store about orders, shipping and returns. "
                                    "Be brief and friendly; offer to pass the question to a person."},
            knowledge=[{"kind": "text", "title": "Shipping and returns",
                        "content": "We ship within 2 working days. Shipping is free over $50. "
                                   "Returns are accepted within 30 days in the original packaging."}],
        )  # fmt: skip
        Agent.objects.filter(pk=agent.pk).update(created_at=_at(9, 15))

    return [(_at(9, 15), create)]


def _journeys(workspace, user):
    from journeys.models import Journey

    if Journey.objects.exists():
        return []

    def create():
        from journeys import services as journeys

        journey = journeys.journey_create(
            workspace=workspace, user=user,
            data={"name": "Welcome new VIP customers",
                  "trigger": {"type": "tag_added", "tag": "vip", "existing": False},
                  "steps": [{"id": "s1", "type": "wait", "minutes": 1440},
                            {"id": "s2", "type": "add_tag", "tag": "welcomed"}]},
        )  # fmt: skip
        Journey.objects.filter(pk=journey.pk).update(created_at=_at(6, 13))

    return [(_at(6, 13), create)]
