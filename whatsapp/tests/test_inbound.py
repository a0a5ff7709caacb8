"""Inbound messages: conversations, CRM contacts and activities, opt-out and
opt-in keywords in five languages, the keyword bot in the contact's
language, and replies inside the 24-hour window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from nexusone.tenancy import workspace_scope
from whatsapp.models import Broadcast, Conversation, Message, OptOut
from whatsapp.tests.conftest import balance, give_credits, inbound_payload, post_webhook
from whatsapp.tests.factories import make_account, make_bot_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def a(world):
    give_credits(world["A"].workspace, 1000)
    return world["A"]


@pytest.fixture
def account(a):
    return make_account(a.workspace)


def receive(account, text, *, sender="14155552671", wamid=None, name="Ana Pérez", hooks=None):
    payload = inbound_payload(account.phone_number_id, sender=sender, text=text,
                              wamid=wamid or f"wamid.in.{sender}.{abs(hash(text))}", name=name)  # fmt: skip
    with hooks():
        response = post_webhook(Client(), payload)
    assert response.status_code == 200
    return response


def test_an_inbound_message_opens_a_conversation_and_reaches_the_crm(a, account, run_commit_hooks):
    from crm.models import Activity, Contact

    before = balance(a.workspace)
    receive(account, "Hi! Do you ship to Lisbon?", wamid="wamid.in.1", hooks=run_commit_hooks)
    receive(account, "Hi! Do you ship to Lisbon?", wamid="wamid.in.1", hooks=run_commit_hooks)  # redelivered
    conversation = Conversation.unscoped.get()
    assert (conversation.phone, conversation.profile_name, conversation.unread_count) == ("+14155552671",
                                                                                         "Ana Pérez", 1)  # fmt: skip
    assert conversation.last_inbound_at is not None
    inbound = Message.unscoped.get(direction="inbound")
    assert (inbound.body, inbound.from_number, inbound.status) == ("Hi! Do you ship to Lisbon?", "+14155552671",
                                                                   "received")  # fmt: skip
    contact = Contact.unscoped.get(workspace=a.workspace, phone="+14155552671")
    assert (contact.first_name, contact.last_name, contact.source, contact.whatsapp_opt_in) == (
        "Ana", "Pérez", "whatsapp", True)  # fmt: skip
    assert conversation.contact_id == contact.pk == inbound.contact_id
    assert balance(a.workspace) == before  # a sender who writes in is a free lead
    activity = Activity.unscoped.get(contact=contact, type="whatsapp_message")
    assert activity.payload["text"] == "Hi! Do you ship to Lisbon?"
    response = a.client("viewer").get(f"/api/v1/whatsapp/conversations/{conversation.pk}/")
    assert response.status_code == 200
    assert [m["body"] for m in response.json()["messages"]] == ["Hi! Do you ship to Lisbon?"]
    assert response.json()["window_open"] is True


def test_a_sender_becomes_a_contact_even_without_credits(world, run_commit_hooks):
    from billing.models import BillingAccount
    from billing.services import billing_account_ensure
    from crm.models import Contact

    billing_account_ensure(workspace=world["A"].workspace)
    BillingAccount.unscoped.filter(workspace=world["A"].workspace).update(plan_credits=0, purchased_credits=0)
    receive(make_account(world["A"].workspace), "hello", hooks=run_commit_hooks)
    assert Contact.unscoped.filter(workspace=world["A"].workspace, phone="+14155552671").exists()


def test_an_existing_contact_is_matched_by_phone(a, account, run_commit_hooks):
    from crm.models import Contact

    with workspace_scope(a.workspace):
        contact = Contact.objects.create(first_name="Known", phone="+14155552671", language="es")
    receive(account, "hola", hooks=run_commit_hooks)
    assert Contact.unscoped.filter(workspace=a.workspace).count() == 1
    conversation = Conversation.unscoped.get()
    assert (conversation.contact_id, conversation.language) == (contact.pk, "es")


@pytest.mark.parametrize("keyword", ["STOP", "stop", "Unsubscribe", "BAJA", "Parar", "SAIR", "إيقاف", "הסר", "Stop!"])
def test_opt_out_keywords_in_every_language(a, account, run_commit_hooks, keyword):
    from crm.models import Contact

    make_bot_rule(a.workspace, account=account, match_type="regex", pattern=".*", reply_text="Anything?")
    receive(account, keyword, hooks=run_commit_hooks)
    optout = OptOut.unscoped.get(workspace=a.workspace)
    assert (optout.phone, optout.source) == ("+14155552671", "keyword")
    assert Contact.unscoped.get(phone="+14155552671").whatsapp_opt_in is False
    assert not Message.unscoped.filter(direction="outbound").exists()  # nobody answers a STOP


def test_a_sentence_containing_stop_is_not_an_opt_out(a, account, run_commit_hooks):
    receive(account, "please don't stop the offers", hooks=run_commit_hooks)
    assert not OptOut.unscoped.exists()


def test_opted_out_numbers_are_skipped_by_broadcasts_and_start_opts_back_in(a, account, run_commit_hooks):
    from crm.models import Contact

    receive(account, "BAJA", hooks=run_commit_hooks)
    body = {"whatsapp_account_id": account.pk, "message": {"type": "text", "text": {"body": "Sale!"}},
            "recipients": ["+14155552671", "+14155552672"]}  # fmt: skip
    with run_commit_hooks():
        first = a.client("member").post("/api/v1/whatsapp/broadcasts/", body, format="json", HTTP_IDEMPOTENCY_KEY="1")
    assert first.json()["counters"]["opted_out"] == 1 and first.json()["counters"]["total"] == 1
    receive(account, "START", wamid="wamid.in.start", hooks=run_commit_hooks)
    assert not OptOut.unscoped.exists()
    assert Contact.unscoped.get(phone="+14155552671").whatsapp_opt_in is True
    with run_commit_hooks():
        second = a.client("member").post("/api/v1/whatsapp/broadcasts/", body, format="json", HTTP_IDEMPOTENCY_KEY="2")
    assert second.json()["counters"]["total"] == 2


def test_the_keyword_bot_answers_in_the_contacts_language(a, account, run_commit_hooks):
    from crm.models import Contact

    make_bot_rule(a.workspace, account=account, name="Price EN", pattern="price, prices", reply_text="From 9 €.")
    make_bot_rule(a.workspace, account=account, name="Price ES", pattern="price, precio", language="es",
                  reply_text="Desde 9 €.")  # fmt: skip
    with workspace_scope(a.workspace):
        Contact.objects.create(first_name="Lucía", phone="+34612345678", language="es")
    receive(account, "Price", sender="34612345678", hooks=run_commit_hooks)
    receive(account, "price", sender="14155552671", hooks=run_commit_hooks)
    replies = {m.to: m.body for m in Message.unscoped.filter(direction="outbound")}
    assert replies == {"+34612345678": "Desde 9 €.", "+14155552671": "From 9 €."}
    # the replies were sent (sandbox) and charged like any message
    assert set(Message.unscoped.filter(direction="outbound").values_list("status", flat=True)) == {"delivered"}


def test_the_bot_is_silent_while_the_workspace_is_suspended(a, account, run_commit_hooks):
    from accounts.models import Workspace

    make_bot_rule(a.workspace, account=account, pattern="price", reply_text="From 9 €.")
    Workspace.objects.filter(pk=a.workspace.pk).update(is_suspended=True)
    receive(account, "price?", hooks=run_commit_hooks)
    assert Message.unscoped.filter(direction="inbound").count() == 1  # recorded
    assert not Message.unscoped.filter(direction="outbound").exists()  # but not answered


def test_regex_and_contains_rules(a, account, run_commit_hooks):
    make_bot_rule(a.workspace, account=account, name="Order", match_type="regex", pattern=r"order\s*#?\d{4,}",
                  reply_text="Looking up your order.")  # fmt: skip
    make_bot_rule(a.workspace, account=account, name="Hours", match_type="contains", pattern="opening hours",
                  reply_text="9 to 5.", priority=200)  # fmt: skip
    receive(account, "Where is ORDER #12345?", sender="14155552671", hooks=run_commit_hooks)
    receive(account, "What are your opening hours today", sender="14155552672", hooks=run_commit_hooks)
    receive(account, "thanks", sender="14155552673", hooks=run_commit_hooks)
    replies = {m.to: m.body for m in Message.unscoped.filter(direction="outbound")}
    assert replies == {"+14155552671": "Looking up your order.", "+14155552672": "9 to 5."}


def test_fallback_responder_hook_for_ai_agents(a, account, run_commit_hooks):
    from whatsapp.services import bots

    seen = []

    def agent(*, account, conversation, message, text):
        seen.append(text)
        return {"type": "text", "text": {"body": f"Agent: {text[::-1]}"}}

    bots.register_fallback_responder(agent)
    try:
        receive(account, "abc", hooks=run_commit_hooks)
    finally:
        bots.FALLBACK_RESPONDERS.remove(agent)
    assert seen == ["abc"]
    assert Message.unscoped.get(direction="outbound").body == "Agent: cba"


def test_reply_inside_the_window_is_charged_and_sent(a, account, run_commit_hooks):
    receive(account, "hello", hooks=run_commit_hooks)
    conversation = Conversation.unscoped.get()
    before = balance(a.workspace)
    with run_commit_hooks():
        response = a.client("member").post(
            f"/api/v1/whatsapp/conversations/{conversation.pk}/messages/",
            {"message": {"type": "text", "text": {"body": "Yes, we do!"}}},
            format="json",
            HTTP_IDEMPOTENCY_KEY="reply-1",
        )
    assert response.status_code == 201, response.content
    assert response.json()["body"] == "Yes, we do!"
    assert Message.unscoped.get(pk=response.json()["id"]).status == "delivered"
    assert balance(a.workspace) == before - 5
    with run_commit_hooks():  # the same key again: no second message
        again = a.client("member").post(
            f"/api/v1/whatsapp/conversations/{conversation.pk}/messages/",
            {"message": {"type": "text", "text": {"body": "Yes, we do!"}}},
            format="json",
            HTTP_IDEMPOTENCY_KEY="reply-1",
        )
    assert again.json() == response.json() and balance(a.workspace) == before - 5
    listed = a.client("viewer").get(f"/api/v1/whatsapp/conversations/{conversation.pk}/messages/").json()
    assert [m["direction"] for m in listed["results"]] == ["inbound", "outbound"]


def test_outside_the_window_only_templates_may_be_sent(a, account, run_commit_hooks):
    receive(account, "hello", hooks=run_commit_hooks)
    conversation = Conversation.unscoped.get()
    Conversation.unscoped.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(hours=25))
    before = balance(a.workspace)
    url = f"/api/v1/whatsapp/conversations/{conversation.pk}/messages/"
    text = a.client("member").post(url, {"message": {"type": "text", "text": {"body": "hi"}}}, format="json")
    assert text.status_code == 409 and text.json()["error"]["code"] == "outside_window"
    assert balance(a.workspace) == before
    template = {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    with run_commit_hooks():
        assert a.client("member").post(url, {"message": template}, format="json").status_code == 201


def test_no_reply_to_an_opted_out_number(a, account, run_commit_hooks):
    receive(account, "hello", hooks=run_commit_hooks)
    receive(account, "STOP", wamid="wamid.in.stop", hooks=run_commit_hooks)
    conversation = Conversation.unscoped.get()
    response = a.client("member").post(
        f"/api/v1/whatsapp/conversations/{conversation.pk}/messages/",
        {"message": {"type": "text", "text": {"body": "wait!"}}},
        format="json",
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "opted_out"


def test_a_reply_links_earlier_broadcast_messages_to_the_conversation(a, account, run_commit_hooks):
    body = {"whatsapp_account_id": account.pk, "message": {"type": "text", "text": {"body": "Sale!"}},
            "recipients": ["+14155552671"]}  # fmt: skip
    with run_commit_hooks():
        a.client("member").post("/api/v1/whatsapp/broadcasts/", body, format="json", HTTP_IDEMPOTENCY_KEY="b")
    receive(account, "How much?", hooks=run_commit_hooks)
    conversation = Conversation.unscoped.get()
    thread = list(Message.unscoped.filter(conversation=conversation).values_list("direction", flat=True))
    assert thread == ["outbound", "inbound"]
    assert Broadcast.unscoped.get().count_total == 1


def test_a_catastrophic_pattern_matches_in_linear_time_and_backreferences_are_refused(a, account):
    """`(a+)+$` against 25 characters kept Python's backtracking engine busy
    for seconds; RE2 answers in microseconds even on the longest message."""
    import time

    from nexusone.errors import ValidationFailed
    from whatsapp.services.bots import bot_rule_save, rule_matches

    rule = make_bot_rule(a.workspace, account=account, match_type="regex", pattern="(a+)+$")
    started = time.perf_counter()
    for length in (25, 40, 990):
        assert rule_matches(rule, "a" * length + "!") is False
    assert time.perf_counter() - started < 0.5
    assert rule_matches(rule, "AAAA") is True  # case-insensitive
    with pytest.raises(ValidationFailed) as refused, workspace_scope(a.workspace):
        bot_rule_save(rule=None, values={"account": account, "name": "x", "match_type": "regex",
                                         "pattern": r"(a)\1", "reply_text": "y"})  # fmt: skip
    assert "pattern" in refused.value.details


def test_the_default_rule_finds_its_keyword_anywhere_in_the_message(a, account, run_commit_hooks):
    created = a.client("member").post(
        "/api/v1/whatsapp/bot-rules/",
        {"whatsapp_account_id": account.pk, "name": "Hours", "pattern": "hours", "reply_text": "9 to 5."},
        format="json",
    )
    assert created.status_code == 201 and created.json()["match_type"] == "contains"
    receive(account, "What are your hours?", sender="14155552671", hooks=run_commit_hooks)
    assert list(Message.unscoped.filter(direction="outbound").values_list("body", flat=True)) == ["9 to 5."]
