"""Agents CRUD, knowledge, conversations and replies through /api/v1/ai-agents/."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest

from agents.models import Agent, Chunk, Conversation, Knowledge, Message
from agents.tests.conftest import balance, set_credits
from agents.tests.factories import FAQ_EN, make_agent, make_conversation, make_knowledge
from billing.models import Charge
from content.gateway import use_provider
from content.gateway.base import TextResult, Usage
from content.gateway.offline import OfflineProvider
from nexusone.errors import ProviderError

pytestmark = pytest.mark.django_db


class CountingProvider(OfflineProvider):
    """The offline provider, counting its calls (or failing them)."""

    def __init__(self, fail: bool = False):
        self.calls = 0
        self.fail = fail

    def complete(self, request):
        self.calls += 1
        if self.fail:
            raise ProviderError(details={"provider": "test", "reason": "server_error"})
        return super().complete(request)


def _create(client, key="k1", **fields):
    body = {"name": "Helper", "instructions": "Answer from the FAQ.", "language": "en", **fields}
    return client.post("/api/v1/ai-agents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _ask(client, agent, conversation, content, **extra):
    url = f"/api/v1/ai-agents/{agent.pk}/conversations/{conversation.pk}/messages/"
    return client.post(url, {"content": content}, format="json", **extra)


def test_create_is_charged_20_once_per_key_and_crud_is_free(world):
    a = world["A"]
    set_credits(a.workspace, 100)
    client = a.client("member")
    first = _create(client, knowledge=[{"title": "FAQ", "content": FAQ_EN}], allowed_origins=["https://Shop.example/x"])
    assert first.status_code == 201, first.content
    replay = _create(
        client, knowledge=[{"title": "FAQ", "content": FAQ_EN}], allowed_origins=["https://Shop.example/x"]
    )
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    assert balance(a.workspace) == 80
    body = first.json()
    assert body["allowed_origins"] == ["https://shop.example"]
    assert body["knowledge_count"] == 1 and body["chunk_count"] >= 3
    agent_id = body["id"]
    assert client.get("/api/v1/ai-agents/").json()["results"][0]["id"] == agent_id
    patched = client.patch(f"/api/v1/ai-agents/{agent_id}/", {"tone": "formal", "greeting": "Hi!"}, format="json")
    assert patched.status_code == 200 and patched.json()["tone"] == "formal"
    assert client.delete(f"/api/v1/ai-agents/{agent_id}/").status_code == 403  # members do not delete
    assert a.client("admin").delete(f"/api/v1/ai-agents/{agent_id}/").status_code == 204
    assert balance(a.workspace) == 80


def test_create_without_credits_is_402_and_creates_nothing(world):
    a = world["A"]
    set_credits(a.workspace, 19)
    response = _create(a.client("member"))
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "insufficient_credits"
    assert not Agent.unscoped.filter(workspace=a.workspace).exists()


def test_knowledge_text_file_and_url(world, monkeypatch):
    a = world["A"]
    agent = make_agent(a.workspace)
    client = a.client("member")
    url = f"/api/v1/ai-agents/{agent.pk}/knowledge/"
    text = client.post(url, {"title": "Hours", "content": "We open at 9.\n\nWe close at 18."}, format="json")
    assert text.status_code == 201 and text.json()["chunk_count"] == 1

    document = io.BytesIO()
    with zipfile.ZipFile(document, "w") as archive:
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            "<w:p><w:r><w:t>Parking is free behind the shop.</w:t></w:r></w:p></w:body></w:document>",
        )
    upload = io.BytesIO(document.getvalue())
    upload.name = "notes.pdf"  # the name lies: the content decides
    docx = client.post(url, {"file": upload}, format="multipart")
    assert docx.status_code == 201, docx.content
    assert Knowledge.unscoped.get(pk=docx.json()["id"]).content == "Parking is free behind the shop."

    binary = io.BytesIO(b"\x00\x01\x02 not text")
    binary.name = "notes.txt"
    refused = client.post(url, {"file": binary}, format="multipart")
    assert refused.status_code == 400 and "file" in refused.json()["error"]["details"]

    big = io.BytesIO(b"a" * (5 * 1024 * 1024 + 1))
    big.name = "big.txt"
    assert client.post(url, {"file": big}, format="multipart").status_code == 400

    from nexusone import outbound
    from nexusone.outbound import ssrf

    monkeypatch.setattr(ssrf, "resolve", lambda host, port: ["93.184.216.34"])
    page = b"<html><head><title>Returns</title><script>var x=1</script></head><body><p>Returns take 30 days.</p></body>"

    def handler(request):
        return httpx.Response(200, content=page, headers={"content-type": "text/html; charset=utf-8"})

    with outbound.use_transport(httpx.MockTransport(handler)):
        fetched = client.post(url, {"url": "https://faq.example/returns"}, format="json")
    assert fetched.status_code == 201, fetched.content
    item = Knowledge.unscoped.get(pk=fetched.json()["id"])
    assert (item.title, item.content, item.kind) == ("Returns", "Returns take 30 days.", "url")

    blocked = client.post(url, {"url": "http://127.0.0.1/admin"}, format="json")
    assert blocked.status_code == 400 and blocked.json()["error"]["code"] == "url_not_allowed"
    assert client.get(url).json()["count"] == 3


def test_reply_cites_the_faq_and_costs_one_credit(world):
    a = world["A"]
    set_credits(a.workspace, 10)
    agent = make_agent(a.workspace)
    make_knowledge(a.workspace, agent)
    conversation = make_conversation(a.workspace, agent)
    response = _ask(a.client("member"), agent, conversation, "How much does shipping cost?")
    assert response.status_code == 200, response.content
    body = response.json()
    assert "5 euros" in body["reply"]
    assert body["sources"][0]["title"] == "FAQ" and "Shipping" in body["sources"][0]["excerpt"]
    assert body["credits"] == 1 and body["usage"]["prompt_tokens"] > 0
    assert balance(a.workspace) == 9


def test_outside_the_knowledge_it_says_it_does_not_know(world):
    a = world["A"]
    set_credits(a.workspace, 10)
    agent = make_agent(a.workspace)
    make_knowledge(a.workspace, agent)
    conversation = make_conversation(a.workspace, agent)
    body = _ask(a.client("member"), agent, conversation, "What is the capital of Mongolia?").json()
    assert body["reply"].startswith("I don't know") and "person on our team" in body["reply"]
    assert body["sources"] == []


def test_streaming_and_non_streaming_give_the_same_text(world):
    a = world["A"]
    set_credits(a.workspace, 10)
    agent = make_agent(a.workspace)
    make_knowledge(a.workspace, agent)
    client = a.client("member")
    plain = _ask(client, agent, make_conversation(a.workspace, agent), "Can I return a product?").json()
    streamed = _ask(
        client, agent, make_conversation(a.workspace, agent), "Can I return a product?", HTTP_ACCEPT="text/event-stream"
    )
    assert streamed["Content-Type"].startswith("text/event-stream")
    frames = b"".join(streamed.streaming_content).decode().strip().split("\n\n")
    deltas = [json.loads(f.split("data: ", 1)[1])["text"] for f in frames if f.startswith("event: delta")]
    done = json.loads(frames[-1].split("data: ", 1)[1])
    assert "".join(deltas) == plain["reply"] == done["reply"]
    assert done["sources"] == plain["sources"]


def test_zero_credits_answers_402_without_calling_the_provider(world):
    a = world["A"]
    set_credits(a.workspace, 0)
    agent = make_agent(a.workspace)
    conversation = make_conversation(a.workspace, agent)
    provider = CountingProvider()
    with use_provider(provider):
        response = _ask(a.client("member"), agent, conversation, "Hello?")
    assert response.status_code == 402 and response.json()["error"]["code"] == "insufficient_credits"
    assert provider.calls == 0


def test_daily_cap_answers_403_quota_exceeded(world):
    a = world["A"]
    set_credits(a.workspace, 10)
    agent = make_agent(a.workspace, daily_credit_cap=2)
    make_knowledge(a.workspace, agent)
    conversation = make_conversation(a.workspace, agent)
    client = a.client("member")
    assert _ask(client, agent, conversation, "Do you deliver on weekends?").status_code == 200
    assert _ask(client, agent, conversation, "How much does shipping cost?").status_code == 200
    provider = CountingProvider()
    with use_provider(provider):
        third = _ask(client, agent, conversation, "Can I return a product?")
    assert third.status_code == 403
    assert third.json()["error"]["code"] == "quota_exceeded"
    assert third.json()["error"]["details"]["quota"] == "agent_daily_credits"
    assert provider.calls == 0 and balance(a.workspace) == 8


def test_a_failed_reply_is_refunded_once(world):
    a = world["A"]
    set_credits(a.workspace, 10)
    agent = make_agent(a.workspace)
    conversation = make_conversation(a.workspace, agent)
    with use_provider(CountingProvider(fail=True)):
        response = _ask(a.client("member"), agent, conversation, "Hello?")
    assert response.status_code == 502
    assert balance(a.workspace) == 10
    assert Charge.unscoped.get(workspace=a.workspace, module="agent_reply").status == "refunded"


def test_conversations_list_filters_transcript_and_export(world):
    a = world["A"]
    set_credits(a.workspace, 10)
    agent = make_agent(a.workspace)
    make_knowledge(a.workspace, agent)
    client = a.client("member")
    started = client.post(f"/api/v1/ai-agents/{agent.pk}/conversations/", {}, format="json")
    assert started.status_code == 201
    conversation = Conversation.unscoped.get(pk=started.json()["id"])
    make_conversation(a.workspace, agent, channel="web", flagged=True)
    _ask(client, agent, conversation, "=HYPERLINK(1) Do you deliver on weekends?")
    listed = client.get(f"/api/v1/ai-agents/{agent.pk}/conversations/?flagged=true").json()
    assert [row["channel"] for row in listed["results"]] == ["web"]
    everything = client.get(f"/api/v1/ai-agents/conversations/?agent={agent.pk}&channel=api").json()
    assert [row["id"] for row in everything["results"]] == [conversation.pk]
    transcript = client.get(f"/api/v1/ai-agents/{agent.pk}/conversations/{conversation.pk}/").json()
    assert [m["role"] for m in transcript["messages"]] == ["user", "assistant"]
    export = client.get("/api/v1/ai-agents/conversations/export/", HTTP_ACCEPT="text/csv")
    text = b"".join(export.streaming_content).decode()
    assert "'=HYPERLINK(1)" in text and "Saturdays" in text


def test_another_workspaces_conversation_is_404(world):
    a, b = world["A"], world["B"]
    agent = make_agent(a.workspace)
    conversation = make_conversation(a.workspace, agent)
    client = b.client("owner")
    assert client.get(f"/api/v1/ai-agents/{agent.pk}/conversations/{conversation.pk}/").status_code == 404
    assert _ask(client, agent, conversation, "hi").status_code == 404
    own = make_agent(b.workspace)
    assert _ask(client, own, conversation, "hi").status_code == 404
    assert Message.unscoped.filter(conversation=conversation).count() == 1


def test_chunks_keep_source_and_position(world):
    a = world["A"]
    knowledge = make_knowledge(a.workspace)
    knowledge.refresh_from_db()
    positions = list(Chunk.unscoped.filter(knowledge=knowledge).values_list("position", flat=True))
    assert positions == list(range(len(positions))) and len(positions) == knowledge.chunk_count >= 3


def test_scripted_provider_tool_call_and_plain_prose(world):
    a = world["A"]
    set_credits(a.workspace, 10)
    agent = make_agent(a.workspace)
    conversation = make_conversation(a.workspace, agent)

    class Prose:
        name, model = "scripted", "scripted-1"

        def complete(self, request):
            return TextResult(text="Plain words.", provider="scripted", model="scripted-1", usage=Usage(3, 2, 5))

    with use_provider(Prose()):
        body = _ask(a.client("member"), agent, conversation, "Hello?").json()
    assert body["reply"] == "Plain words." and body["usage"] == {"prompt_tokens": 3, "completion_tokens": 2}
