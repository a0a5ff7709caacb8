"""Agents pages: an agent built from a pasted FAQ in Portuguese, the builder's
knowledge manager and widget snippet, the playground, the inbox with its
handoff queue and human reply, right-to-left rendering, roles and 404s; and
the evaluation endpoint keeping the last score."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from agents.models import Agent, Conversation, Knowledge, Message
from agents.tests.conftest import balance, set_credits
from agents.tests.factories import make_agent, make_conversation, make_knowledge

pytestmark = pytest.mark.django_db

PT_FAQ = "Entrega?\nA entrega custa 5 euros e demora dois dias úteis.\n\nDevolução?\nAceitamos devoluções em 30 dias."


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_agent_from_a_pasted_portuguese_faq_answers_in_the_playground(world):
    a = world["A"]
    set_credits(a.workspace, 100)
    client = signed_in(a.users["member"])
    base = f"/pt/w/{a.workspace.slug}/agents/"
    assert client.get(base).status_code == 200
    form = {"action": "create", "name": "Loja", "language": "pt", "tone": "friendly", "instructions": "",
            "faq": PT_FAQ, "request_token": uuid.uuid4().hex}  # fmt: skip
    response = client.post(base, form)
    agent = Agent.unscoped.get(workspace=a.workspace)
    assert response.status_code == 302 and response["Location"].endswith(f"/agents/{agent.pk}/")
    client.post(base, form)  # a double click: the same request token, no second agent or charge
    assert Agent.unscoped.filter(workspace=a.workspace).count() == 1 and balance(a.workspace) == 80
    builder = client.get(f"{base}{agent.pk}/").content.decode()
    assert "Perguntas frequentes" in builder and 'dir="rtl"' not in builder
    playground = f"{base}{agent.pk}/playground/"
    answered = client.post(playground, {"action": "ask", "content": "Quanto custa a entrega?"})
    assert answered.status_code == 302
    page = client.get(answered["Location"]).content.decode()
    assert "A entrega custa 5 euros" in page
    assert Conversation.unscoped.get(agent=agent).channel == "playground" and balance(a.workspace) == 79


def test_builder_saves_settings_and_manages_knowledge(world):
    a = world["A"]
    agent = make_agent(a.workspace)
    client = signed_in(a.users["member"])
    url = f"/en/w/{a.workspace.slug}/agents/{agent.pk}/"
    saved = client.post(url, {"action": "save", "name": "Helper", "status": "published", "language": "he",
                              "tone": "formal", "instructions": "Be brief.", "greeting": "Hello",
                              "handoff_keywords": "manager\nrefund", "daily_credit_cap": "30",
                              "allowed_origins": "https://shop.example/\nhttps://blog.example"})  # fmt: skip
    assert saved.status_code == 302
    agent.refresh_from_db()
    assert (agent.status, agent.language, agent.handoff_keywords, agent.allowed_origins) == (
        "published", "he", ["manager", "refund"], ["https://shop.example", "https://blog.example"])  # fmt: skip
    client.post(url, {"action": "knowledge", "title": "Hours", "content": "Open 9 to 5."})
    item = Knowledge.unscoped.get(agent=agent)
    page = client.get(url).content.decode()
    assert "Hours" in page and f"/a/{agent.public_key}/widget.js" in page
    client.post(url, {"action": "forget", "knowledge": item.pk})
    assert not Knowledge.unscoped.filter(agent=agent).exists()
    assert client.post(url, {"action": "delete"}).status_code == 403  # members do not delete agents


def test_inbox_queue_human_reply_and_release(world):
    a = world["A"]
    agent = make_agent(a.workspace)
    conversation = make_conversation(a.workspace, agent, channel="web", flagged=True, paused=True, flag_reason="x")
    client = signed_in(a.users["member"])
    inbox = client.get(f"/ar/w/{a.workspace.slug}/agents/conversations/?flagged=1").content.decode()
    assert 'dir="rtl"' in inbox and agent.name in inbox
    url = f"/en/w/{a.workspace.slug}/agents/conversations/{conversation.pk}/"
    client.post(url, {"action": "reply", "content": "Hi, a person here."})
    assert Message.unscoped.filter(conversation=conversation, role="human").count() == 1
    client.post(url, {"action": "release"})
    conversation.refresh_from_db()
    assert not conversation.paused and not conversation.flagged
    viewer = signed_in(a.users["viewer"])
    assert viewer.get(url).status_code == 200
    assert viewer.post(url, {"action": "reply", "content": "no"}).status_code == 403


def test_another_workspaces_agent_and_conversation_are_404(world):
    a, b = world["A"], world["B"]
    agent = make_agent(a.workspace)
    conversation = make_conversation(a.workspace, agent)
    client = signed_in(b.users["owner"])
    base = f"/en/w/{b.workspace.slug}/agents/"
    for path in (f"{agent.pk}/", f"{agent.pk}/playground/", f"conversations/{conversation.pk}/"):
        assert client.get(base + path).status_code == 404


def test_evaluate_scores_cases_and_the_agent_keeps_the_last_score(world):
    a = world["A"]
    set_credits(a.workspace, 10)
    agent = make_agent(a.workspace)
    make_knowledge(a.workspace, agent)
    response = a.client("member").post(
        f"/api/v1/ai-agents/{agent.pk}/evaluate",
        {"cases": [
            {"question": "How much does shipping cost?", "must_include": ["5 euros"]},
            {"question": "Who is the president of Peru?", "must_include": ["don't know"],
             "must_not_include": ["president"]},
            {"question": "Can I return a product?", "must_include": ["60 days"]},
        ]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert [case["passed"] for case in body["cases"]] == [True, True, False]
    assert body["pass_rate"] == pytest.approx(2 / 3, abs=1e-3) and body["credits"] == 3
    agent.refresh_from_db()
    assert agent.last_evaluation["passed"] == 2 and balance(a.workspace) == 7
