"""An agent answering a WhatsApp number through the bot hook: in the window,
in the contact's language, 5 credits per answer (the send), paused by a
handoff or a person's reply from the inbox until released, never answering
opted-out numbers."""

from __future__ import annotations

import pytest

from agents.models import Conversation
from agents.tests.factories import make_agent, make_knowledge
from content.gateway import use_provider
from content.gateway.offline import OfflineProvider
from nexusone.tenancy import workspace_scope
from whatsapp.models import Message as WhatsAppMessage
from whatsapp.tests.conftest import give_credits
from whatsapp.tests.factories import make_account
from whatsapp.tests.test_inbound import receive

pytestmark = pytest.mark.django_db

PT_FAQ = "Entrega?\nA entrega custa 5 euros e demora dois dias úteis.\n\nHorário?\nAbrimos de segunda a sexta."


@pytest.fixture
def a(world):
    give_credits(world["A"].workspace, 1000)
    return world["A"]


@pytest.fixture
def account(a):
    return make_account(a.workspace)


@pytest.fixture
def agent(a, account):
    agent = make_agent(a.workspace, language="pt", whatsapp_account=account)
    make_knowledge(a.workspace, agent, content=PT_FAQ)
    return agent


def replies():
    return list(WhatsAppMessage.unscoped.filter(direction="outbound").order_by("id").values_list("body", flat=True))


def test_the_agent_answers_inbound_messages_and_each_answer_costs_5(a, agent, run_commit_hooks):
    from billing.models import LedgerEntry

    receive(agent.whatsapp_account, "Quanto custa a entrega?", wamid="wamid.1", hooks=run_commit_hooks)
    assert replies() == ["A entrega custa 5 euros e demora dois dias úteis."]
    debits = LedgerEntry.unscoped.filter(workspace=a.workspace, kind="debit")
    assert {e.module: -e.amount for e in debits if e.module in ("whatsapp_bot", "agent_reply")} == {"whatsapp_bot": 5}
    thread = Conversation.unscoped.get(agent=agent, channel="whatsapp")
    assert thread.whatsapp_conversation_id is not None


def test_a_handoff_pauses_and_a_release_resumes(a, agent, run_commit_hooks):
    receive(agent.whatsapp_account, "Quero falar com um atendente", wamid="wamid.2", hooks=run_commit_hooks)
    assert "pessoa da nossa equipe" in replies()[-1]
    thread = Conversation.unscoped.get(agent=agent, channel="whatsapp")
    assert thread.paused and thread.flagged

    class Refuse(OfflineProvider):
        def complete(self, request):
            raise AssertionError("paused")

    with use_provider(Refuse()):
        receive(agent.whatsapp_account, "Olá?", wamid="wamid.3", hooks=run_commit_hooks)
    assert len(replies()) == 1
    member = a.client("member")
    url = f"/api/v1/ai-agents/{agent.pk}/conversations/{thread.pk}/release/"
    assert member.post(url, {}, format="json").status_code == 200
    receive(agent.whatsapp_account, "Quanto custa a entrega?", wamid="wamid.4", hooks=run_commit_hooks)
    assert replies()[-1].startswith("A entrega custa 5 euros")


def test_a_person_replying_from_the_inbox_pauses_the_agent(a, agent, run_commit_hooks):
    receive(agent.whatsapp_account, "Quanto custa a entrega?", wamid="wamid.5", hooks=run_commit_hooks)
    whatsapp_conversation = Conversation.unscoped.get(agent=agent).whatsapp_conversation
    with run_commit_hooks():
        response = a.client("member").post(
            f"/api/v1/whatsapp/conversations/{whatsapp_conversation.pk}/messages/",
            {"message": {"type": "text", "text": {"body": "Oi, aqui é a Maria."}}},
            format="json",
        )
    assert response.status_code == 201
    receive(agent.whatsapp_account, "Obrigado!", wamid="wamid.6", hooks=run_commit_hooks)
    assert replies()[-1] == "Oi, aqui é a Maria."
    assert Conversation.unscoped.get(agent=agent).paused


def test_opted_out_numbers_are_never_answered(a, agent, run_commit_hooks):
    from whatsapp.services.optouts import optout_add

    with workspace_scope(a.workspace):
        optout_add(workspace=a.workspace, phone="+14155552671")

    class Refuse(OfflineProvider):
        def complete(self, request):
            raise AssertionError("opted out")

    with use_provider(Refuse()):
        receive(agent.whatsapp_account, "Quanto custa a entrega?", wamid="wamid.7", hooks=run_commit_hooks)
    assert replies() == []
