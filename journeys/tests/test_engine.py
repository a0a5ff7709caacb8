"""The journey engine: the issue's journey end to end over a real SMTP sink,
each step exactly once under retries and crashes, waits in the contact's time
zone, leaving on unsubscribe or goal, credits, pausing, triggers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from crm.models import Contact
from crm.tests.factories import make_activity, make_contact, make_segment
from emails.models import Campaign, EmailMessage, Suppression
from emails.tests.conftest import balance, html_part, links_in, local_path
from emails.tests.factories import BLOCKS
from journeys import engine, services
from journeys.models import Enrollment, Journey, StepRun
from journeys.steps import next_local_time
from journeys.tests.conftest import TEMPLATE
from nexusone.tenancy import workspace_scope
from whatsapp.models import Broadcast, Message

pytestmark = pytest.mark.django_db


def _create(shop, **data) -> Journey:
    with workspace_scope(shop.workspace):
        return services.journey_create(workspace=shop.workspace, data={"name": "Bienvenida", **data})


def _form_journey(shop, **extra):
    steps = [
        {"type": "wait", "minutes": 1},
        {"type": "send_email", "subject": "Hola {{first_name}}", "sender_id": shop.sender.pk, "language": "es",
         "body": BLOCKS},
        {"type": "branch", "on": "clicked", "within": {"days": 1},
         "then": [{"type": "send_whatsapp_template", "template": TEMPLATE, "language": "es"}], "else": []},
    ]  # fmt: skip
    return _create(shop, trigger={"type": "form_submitted"}, steps=steps, status="active", **extra)


def _submit(shop, email: str, phone: str, key: str) -> Contact:
    from crm.services import contact_upsert_from_form

    with workspace_scope(shop.workspace):
        contact = contact_upsert_from_form(
            workspace=shop.workspace,
            data={"email": email, "phone": phone, "first_name": email.split("@")[0].title(), "email_opt_in": "on",
                  "whatsapp_opt_in": "on", "language": "es"},
            submission_key=key,
        )  # fmt: skip
    return contact


def _runs(journey) -> dict[str, int]:
    runs: dict[str, int] = {}
    for step_id in StepRun.unscoped.filter(journey=journey).values_list("step_id", flat=True):
        runs[step_id] = runs.get(step_id, 0) + 1
    return runs


def test_form_wait_email_click_whatsapp_moves_each_contact_through_each_step_once(
    shop, smtp, whatsapp_number, run, django_capture_on_commit_callbacks
):
    journey = _form_journey(shop)
    s_wait, s_mail, s_branch = (step["id"] for step in journey.steps)
    s_whatsapp = journey.steps[2]["then"][0]["id"]
    ana = _submit(shop, "ana@clientes.example", "+34600000001", "page:1:a")
    beto = _submit(shop, "beto@clientes.example", "+34600000002", "page:1:b")
    now = timezone.now()

    assert run(journey, now) == {"enrolled": 2, "moved": 2}  # both ran the wait step
    assert run(journey, now + timedelta(seconds=30))["moved"] == 0  # the minute is not over
    assert smtp.count == 0

    later = now + timedelta(seconds=61)
    before = balance(shop.workspace)
    run(journey, later)
    assert len(smtp.to("ana@clientes.example")) == 1 and len(smtp.to("beto@clientes.example")) == 1
    campaign = Campaign.unscoped.get(pk=journey.steps[1]["campaign_id"])
    assert campaign.kind == Campaign.Kind.JOURNEY and campaign.count_sent == 2
    assert balance(shop.workspace) == before - 1  # email_send: 1 credit per 100 recipients, rounded up

    # Ana clicks the e-mail's link; Beto does not.
    html = html_part(smtp.to("ana@clientes.example")[0])
    click = next(link for link in links_in(html) if "/e/c/" in link)
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().get(local_path(click)).status_code == 302
    for _retry in range(3):  # the beat comes back: nothing runs twice
        run(journey, later + timedelta(minutes=2))
    assert Broadcast.unscoped.filter(workspace=shop.workspace).count() == 1
    assert list(Message.unscoped.filter(workspace=shop.workspace).values_list("to", flat=True)) == ["+34600000001"]
    # A journey's send is not a broadcast someone started: nobody is told "your broadcast finished" each minute.
    from notifications.models import Notification

    assert Broadcast.unscoped.get(workspace=shop.workspace).status == Broadcast.Status.COMPLETED
    assert not Notification.unscoped.filter(workspace=shop.workspace, kind="broadcast_finished").exists()

    run(journey, later + timedelta(days=1, minutes=5))  # Beto's window has closed: the else arm (empty) ends it
    assert _runs(journey) == {s_wait: 2, s_mail: 2, s_branch: 2, s_whatsapp: 1}
    outcomes = dict(
        StepRun.unscoped.filter(journey=journey, step_id=s_branch).values_list("enrollment__contact", "outcome")
    )
    assert outcomes == {ana.pk: "then", beto.pk: "else"}
    assert set(Enrollment.unscoped.filter(journey=journey).values_list("status", flat=True)) == {"completed"}
    assert len(smtp.to("ana@clientes.example")) == 1  # still one e-mail each

    client = shop.tenant.client("viewer")
    stats = client.get(f"/api/v1/journeys/{journey.pk}/stats").json()
    by_id = {step["id"]: step for step in stats["steps"]}
    assert stats["entered"] == 2 and stats["completed"] == 2
    assert by_id[s_mail]["messages"]["sent"] == 2 and by_id[s_mail]["messages"]["clicked"] == 1
    assert by_id[s_branch]["outcomes"] == {"then": 1, "else": 1}


def test_a_crash_mid_batch_leaves_nothing_and_the_retry_runs_each_step_once(shop, smtp, run, monkeypatch):
    steps = [
        {"type": "send_email", "subject": "Hola", "sender_id": shop.sender.pk, "language": "es", "body": BLOCKS},
        {"type": "add_tag", "tag": "bienvenida"},
    ]
    journey = _create(shop, trigger={"type": "tag_added", "tag": "nuevo", "existing": True}, steps=steps,
                      status="active")  # fmt: skip
    contacts = [make_contact(shop.workspace, email=f"c{i}@clientes.example", email_opt_in=True, tags=["nuevo"])
                for i in range(3)]  # fmt: skip

    from journeys import steps as handlers

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setitem(handlers.HANDLERS, "add_tag", crash)
    with pytest.raises(RuntimeError):
        run(journey)
    # the e-mail step of the same batch committed before (its own round); the tag step rolled back whole
    assert EmailMessage.unscoped.filter(campaign_id=journey.steps[0]["campaign_id"]).count() == 3
    assert StepRun.unscoped.filter(journey=journey, step_id=journey.steps[1]["id"]).count() == 0
    monkeypatch.setitem(handlers.HANDLERS, "add_tag", handlers.run_add_tag)
    run(journey)
    run(journey)
    assert _runs(journey) == {journey.steps[0]["id"]: 3, journey.steps[1]["id"]: 3}
    assert all("bienvenida" in Contact.unscoped.get(pk=c.pk).tags for c in contacts)
    assert smtp.count == 3


def test_a_step_cannot_be_recorded_twice(shop):
    journey = _create(shop, trigger={"type": "order_placed"}, steps=[{"type": "add_tag", "tag": "x"}])
    contact = make_contact(shop.workspace)
    enrollment = Enrollment.unscoped.create(workspace=shop.workspace, journey=journey, contact=contact, step_id="s1")
    StepRun.unscoped.create(workspace=shop.workspace, journey=journey, enrollment=enrollment, step_id="s1")
    with pytest.raises(IntegrityError):
        StepRun.unscoped.create(workspace=shop.workspace, journey=journey, enrollment=enrollment, step_id="s1")


def test_waits_until_a_wall_clock_hour_in_the_contacts_time_zone(shop, run):
    now = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # Saturday
    mexico, tokyo = ZoneInfo("America/Mexico_City"), ZoneInfo("Asia/Tokyo")
    assert next_local_time(now, mexico, hour=9) == datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # 9:00 CST = 15:00 UTC
    assert next_local_time(now, tokyo, hour=9) == datetime(2026, 3, 8, 0, 0, tzinfo=UTC)
    assert next_local_time(now, tokyo, hour=9, weekday=0) == datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # Monday
    # New York springs forward on 2026-03-08: 9:00 is then 13:00 UTC, not 14:00
    evening = datetime(2026, 3, 7, 20, 0, tzinfo=UTC)
    assert next_local_time(evening, ZoneInfo("America/New_York"), hour=9) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)

    steps = [{"type": "wait_until", "hour": 9}, {"type": "add_tag", "tag": "morning"}]
    journey = _create(shop, trigger={"type": "tag_added", "tag": "tz", "existing": True}, steps=steps, status="active")
    in_mexico = make_contact(shop.workspace, timezone="America/Mexico_City", tags=["tz"])
    in_tokyo = make_contact(shop.workspace, timezone="Asia/Tokyo", tags=["tz"])
    run(journey, now)
    due = dict(Enrollment.unscoped.filter(journey=journey).values_list("contact_id", "due_at"))
    assert due == {
        in_mexico.pk: datetime(2026, 3, 7, 15, 0, tzinfo=UTC),
        in_tokyo.pk: datetime(2026, 3, 8, 0, 0, tzinfo=UTC),
    }
    run(journey, datetime(2026, 3, 7, 15, 1, tzinfo=UTC))
    assert "morning" in Contact.unscoped.get(pk=in_mexico.pk).tags
    assert "morning" not in Contact.unscoped.get(pk=in_tokyo.pk).tags


def test_contacts_leave_on_unsubscribe_and_on_goal(shop, smtp, run):
    steps = [
        {"type": "wait", "hours": 1},
        {"type": "send_email", "subject": "Hola", "sender_id": shop.sender.pk, "language": "es", "body": BLOCKS},
    ]
    journey = _create(shop, trigger={"type": "tag_added", "tag": "lead", "existing": True}, steps=steps,
                      goal={"stage": "customer"}, status="active")  # fmt: skip
    gone = make_contact(shop.workspace, email="gone@clientes.example", email_opt_in=True, tags=["lead"])
    buyer = make_contact(shop.workspace, email="buyer@clientes.example", email_opt_in=True, tags=["lead"])
    stays = make_contact(shop.workspace, email="stays@clientes.example", email_opt_in=True, tags=["lead"])
    no_consent = make_contact(shop.workspace, email="nope@clientes.example", tags=["lead"])
    now = timezone.now()
    run(journey, now)
    Suppression.unscoped.create(workspace=shop.workspace, email=gone.email, reason="unsubscribed")
    Contact.unscoped.filter(pk=buyer.pk).update(stage="customer")
    run(journey, now + timedelta(hours=1, minutes=1))
    reasons = dict(Enrollment.unscoped.filter(journey=journey).values_list("contact_id", "exit_reason"))
    assert reasons == {gone.pk: "unsubscribed", buyer.pk: "goal", stays.pk: "", no_consent.pk: ""}
    assert len(smtp.to("stays@clientes.example")) == 1
    assert not smtp.to("gone@clientes.example") and not smtp.to("nope@clientes.example")
    skipped = StepRun.unscoped.get(journey=journey, enrollment__contact=no_consent, step_id=journey.steps[1]["id"])
    assert (skipped.outcome, skipped.detail) == ("skipped", "no_consent")


def test_without_credits_the_contact_waits_at_the_step_and_is_sent_once_later(shop, smtp, run):
    from billing.tests.factories import account

    account(shop.workspace, plan_credits=0, purchased_credits=0)
    steps = [{"type": "send_email", "subject": "Hola", "sender_id": shop.sender.pk, "language": "es", "body": BLOCKS}]
    journey = _create(shop, trigger={"type": "tag_added", "tag": "t", "existing": True}, steps=steps, status="active")
    contact = make_contact(shop.workspace, email="t@clientes.example", email_opt_in=True, tags=["t"])
    now = timezone.now()
    run(journey, now)
    enrollment = Enrollment.unscoped.get(journey=journey, contact=contact)
    assert enrollment.status == "active" and enrollment.due_at > now and smtp.count == 0
    assert not StepRun.unscoped.filter(journey=journey).exists()
    account(shop.workspace, plan_credits=0, purchased_credits=10)
    run(journey, now + timedelta(minutes=11))
    run(journey, now + timedelta(minutes=30))
    assert smtp.count == 1 and _runs(journey) == {journey.steps[0]["id"]: 1}


def test_a_paused_journey_neither_enrols_nor_moves(shop, run):
    journey = _create(shop, trigger={"type": "tag_added", "tag": "p", "existing": True},
                      steps=[{"type": "add_tag", "tag": "seen"}], status="active")  # fmt: skip
    with workspace_scope(shop.workspace):
        services.journey_pause(journey=journey)
    contact = make_contact(shop.workspace, tags=["p"])
    assert run(journey) == {"enrolled": 0, "moved": 0}
    with workspace_scope(shop.workspace):
        services.journey_update(journey=journey, data={"status": "active"})
    run(journey)
    assert "seen" in Contact.unscoped.get(pk=contact.pk).tags


def test_segment_entered_enrols_newcomers_not_those_already_in_it(shop, run):
    segment = make_segment(shop.workspace, definition={"tags_any": ["otono"]})
    before = make_contact(shop.workspace, tags=["otono"])
    journey = _create(shop, trigger={"type": "segment_entered", "segment_id": segment.pk},
                      steps=[{"type": "set_stage", "stage": "prospect"}], status="active")  # fmt: skip
    newcomer = make_contact(shop.workspace, tags=["otono"])
    run(journey)
    run(journey)
    assert Contact.unscoped.get(pk=newcomer.pk).stage == "prospect"
    assert Contact.unscoped.get(pk=before.pk).stage == "lead"
    assert Journey.unscoped.get(pk=journey.pk).count_entered == 1


def test_whatsapp_keyword_and_date_field_triggers(shop, run):
    keyword = _create(shop, trigger={"type": "whatsapp_keyword", "keyword": "PROMO"},
                      steps=[{"type": "add_tag", "tag": "promo"}], status="active")  # fmt: skip
    contact = make_contact(shop.workspace)
    make_activity(shop.workspace, contact, type="whatsapp_message", payload={"direction": "inbound", "text": "promo!"})
    other = make_contact(shop.workspace)
    make_activity(shop.workspace, other, type="whatsapp_message", payload={"direction": "inbound", "text": "hola"})
    run(keyword)
    assert "promo" in Contact.unscoped.get(pk=contact.pk).tags and "promo" not in Contact.unscoped.get(pk=other.pk).tags

    now = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    birthday = _create(shop, trigger={"type": "date_field", "field": "birthday"},
                       steps=[{"type": "add_tag", "tag": "cumple"}], status="active")  # fmt: skip
    in_tokyo = make_contact(shop.workspace, timezone="Asia/Tokyo", custom_fields={"birthday": "1990-12-08"})
    in_utc = make_contact(shop.workspace, custom_fields={"birthday": "1990-12-08"})
    run(birthday, now)  # already the 8th in Tokyo, still the 7th in UTC
    assert "cumple" in Contact.unscoped.get(pk=in_tokyo.pk).tags
    assert "cumple" not in Contact.unscoped.get(pk=in_utc.pk).tags
    run(birthday, now + timedelta(hours=1))
    run(birthday, now + timedelta(hours=2))
    assert Enrollment.unscoped.filter(journey=birthday).count() == 2
    assert set(Enrollment.unscoped.filter(journey=birthday).values_list("entry_key", flat=True)) == {"2026"}


def test_the_batch_is_bounded(shop, run, settings):
    settings.JOURNEYS_BATCH_SIZE = 2
    journey = _create(shop, trigger={"type": "tag_added", "tag": "b", "existing": True},
                      steps=[{"type": "add_tag", "tag": "c"}], status="active")  # fmt: skip
    for _ in range(5):
        make_contact(shop.workspace, tags=["b"])
    with workspace_scope(shop.workspace):
        assert engine.enrol(journey) == 2
        assert engine.advance_batch(journey) == 2


def _rows_read() -> int:
    """Rows of contacts and enrollments this transaction has read so far (PostgreSQL's counters)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0) "
            "FROM pg_stat_xact_user_tables WHERE relname IN ('crm_contact', 'journeys_enrollment')"
        )
        return int(cursor.fetchone()[0])


def test_enrolment_resumes_after_the_last_contact_instead_of_rereading_the_enrolled(shop, run, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's per-transaction row counters")
    settings.JOURNEYS_BATCH_SIZE = 10
    journey = _create(shop, trigger={"type": "tag_added", "tag": "lote", "existing": True},
                      steps=[{"type": "add_tag", "tag": "visto"}], status="active")  # fmt: skip
    early = make_contact(shop.workspace, tags=[])
    Contact.unscoped.bulk_create(
        [Contact(workspace=shop.workspace, email=f"c{n}@lote.example", tags=["lote"]) for n in range(60)]
    )
    with connection.cursor() as cursor:
        # The plan PostgreSQL picks for a big segment (bench/journey_steps.py: walk the contacts' primary
        # key from the cursor), forced on this small table, where sorting all 61 rows would be cheaper.
        cursor.execute("ANALYZE crm_contact")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    reads = []
    with workspace_scope(shop.workspace):
        for _ in range(6):
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE journeys_enrollment")  # as autovacuum would keep it
            before = _rows_read()
            assert engine.enrol(journey) == 10
            reads.append(_rows_read() - before)
        assert engine.enrol(journey) == 0  # the pass ends…
        assert Journey.unscoped.get(pk=journey.pk).cursor == 0  # …and the next one starts over
    # each batch reads about its own 10 contacts (and their enrollments), not all those before it
    assert max(reads) <= 15, reads  # flat (it was 61 per batch before the keyset)
    assert Enrollment.unscoped.filter(journey=journey).count() == 60

    Contact.unscoped.filter(pk=early.pk).update(tags=["lote"])  # joins behind the pass, with a lower id
    run(journey)
    assert Enrollment.unscoped.filter(journey=journey, contact_id=early.pk).exists()


def test_order_placed_notify_and_a_branch_on_a_reply(shop, run):
    from notifications.models import Notification

    journey = _create(
        shop,
        trigger={"type": "order_placed"},
        steps=[
            {"type": "notify", "message": "Pedido nuevo"},
            {"type": "branch", "on": "replied", "within": {"days": 1},
             "then": [{"type": "add_tag", "tag": "respondio"}], "else": [{"type": "remove_tag", "tag": "vip"}]},
        ],
        status="active",
    )  # fmt: skip
    replies, silent = make_contact(shop.workspace, tags=["vip"]), make_contact(shop.workspace, tags=["vip"])
    for contact in (replies, silent):
        make_activity(shop.workspace, contact, type="purchase", payload={"order": f"#{contact.pk}"})
    run(journey)
    notices = Notification.unscoped.filter(workspace=shop.workspace, kind="journeys.step_notify")
    sent = notices.count()
    assert sent >= 2  # one per contact for each manager
    assert {n.link.rstrip("/").rsplit("/", 1)[-1] for n in notices} == {str(replies.pk), str(silent.pk)}

    reply = {"direction": "inbound", "text": "¡Gracias!"}
    make_activity(shop.workspace, replies, type="whatsapp_message", payload=reply)
    run(journey, timezone.now() + timedelta(minutes=5))
    assert "respondio" in Contact.unscoped.get(pk=replies.pk).tags
    assert Contact.unscoped.get(pk=silent.pk).tags == ["vip"]  # still waiting for a reply

    run(journey, timezone.now() + timedelta(days=2))
    assert Contact.unscoped.get(pk=silent.pk).tags == []  # no reply within a day: the else arm
    assert "vip" in Contact.unscoped.get(pk=replies.pk).tags
    assert notices.count() == sent  # each step once per contact
    assert sorted(_runs(journey).values()) == [1, 1, 2, 2]  # notify and branch twice, each arm's step once
    assert Enrollment.unscoped.filter(journey=journey, status="completed").count() == 2
