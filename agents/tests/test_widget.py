"""The public chat widget: script, origins (CORS), visitor tokens, rate limits,
lead capture into the CRM, handoff, and isolation of conversations."""

from __future__ import annotations

import json

import pytest
from django.core import signing
from django.test import Client

from agents.models import Conversation, Message
from agents.public_views import TOKEN_SALT
from agents.tests.conftest import balance, set_credits
from agents.tests.factories import make_agent, make_conversation, make_knowledge
from content.gateway import use_provider
from content.gateway.offline import OfflineProvider

pytestmark = pytest.mark.django_db

SITE = "https://shop.example"


@pytest.fixture
def agent(world):
    set_credits(world["A"].workspace, 100)
    agent = make_agent(world["A"].workspace, status="published", allowed_origins=[SITE], greeting="Hi there!")
    make_knowledge(world["A"].workspace, agent)
    return agent


def post(agent, body, *, origin=SITE, client=None, **extra):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return (client or Client()).post(
        f"/a/{agent.public_key}/messages", data=json.dumps(body), content_type="application/json", **headers, **extra
    )


def test_widget_script_is_self_contained_and_rtl_for_arabic(world):
    agent = make_agent(world["A"].workspace, status="published", language="ar", greeting="مرحبا <b>")
    response = Client().get(f"/a/{agent.public_key}/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert "\\u0022dir\\u0022: \\u0022rtl\\u0022" in script
    assert "http://" not in script.replace("http://testserver/a/", "") and "https://" not in script
    assert "eval(" not in script and "innerHTML" not in script and 'setAttribute("style"' not in script
    assert "<b>" not in script  # the greeting is escaped into a JS string
    draft = make_agent(world["A"].workspace)
    assert Client().get(f"/a/{draft.public_key}/widget.js").status_code == 404


def test_first_answer_issues_a_token_and_the_conversation_continues(agent):
    first = post(agent, {"content": "Do you deliver on weekends?"})
    assert first.status_code == 200, first.content
    assert first["Access-Control-Allow-Origin"] == SITE
    body = first.json()
    assert "Saturdays" in body["reply"] and body["sources"][0]["title"] == "FAQ"
    second = post(agent, {"content": "How much does shipping cost?", "visitor_token": body["visitor_token"]})
    assert second.json()["conversation_id"] == body["conversation_id"]
    conversation = Conversation.unscoped.get(pk=body["conversation_id"])
    assert conversation.channel == "web"
    assert Message.unscoped.filter(conversation=conversation, role="assistant").count() == 2
    assert balance(agent.workspace) == 98  # 1 credit per web answer


def test_origins_outside_the_list_are_refused(agent):
    assert post(agent, {"content": "hi"}, origin="https://evil.example").status_code == 403
    assert post(agent, {"content": "hi"}, origin="").status_code == 403
    assert post(agent, {"content": "hi"}, origin="http://testserver").status_code == 200  # magic pages: our own site
    asks = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST", "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "content-type"}
    preflight = Client().options(f"/a/{agent.public_key}/messages", HTTP_ORIGIN=SITE, **asks)
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == SITE
    assert "content-type" in preflight["Access-Control-Allow-Headers"].lower()
    evil = Client().options(f"/a/{agent.public_key}/messages", HTTP_ORIGIN="https://evil.example", **asks)
    assert evil.status_code == 403 and "Access-Control-Allow-Origin" not in evil


def test_tampered_tokens_and_other_workspaces_conversations(agent, world):
    token = post(agent, {"content": "hi"}).json()["visitor_token"]
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = post(agent, {"content": "hi", "visitor_token": tampered})
    assert response.status_code == 403 and response.json()["error"]["code"] == "invalid_visitor_token"
    # A validly signed token naming B's conversation (as if the secret leaked) still finds nothing here.
    theirs = make_conversation(world["B"].workspace, make_agent(world["B"].workspace), visitor_id="v1")
    forged = signing.dumps({"a": agent.pk, "c": theirs.pk, "v": "v1"}, salt=TOKEN_SALT)
    assert post(agent, {"content": "hi", "visitor_token": forged}).status_code == 404
    other_agent = make_agent(world["A"].workspace, status="published", allowed_origins=[SITE])
    assert post(other_agent, {"content": "hi", "visitor_token": token}).status_code == 403
    assert Message.unscoped.filter(conversation=theirs).count() == 1


def test_rate_limit_per_visitor_with_retry_after(agent, monkeypatch):
    from agents import public_views

    monkeypatch.setattr(public_views, "VISITOR_LIMIT", 3)  # the same code path as 20, quicker on a loaded machine
    from nexusone.api import throttles

    # One fixed window: on a loaded machine the five answers can otherwise straddle a minute boundary.
    monkeypatch.setattr(throttles.time, "time", lambda: 1_800_000_020.0)
    token = post(agent, {"content": "hi"}).json()["visitor_token"]
    statuses = [post(agent, {"content": "hi", "visitor_token": token}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = post(agent, {"content": "hi", "visitor_token": token})
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1


def test_long_messages_are_refused(agent):
    response = post(agent, {"content": "x" * 2001})
    assert response.status_code == 400 and "content" in response.json()["error"]["details"]
    assert not Conversation.unscoped.filter(agent=agent).exists()


def test_out_of_credits_the_visitor_gets_a_polite_notice_and_a_person_is_asked(agent):
    set_credits(agent.workspace, 0)

    class Refuse(OfflineProvider):
        def complete(self, request):
            raise AssertionError("the provider must not be called")

    with use_provider(Refuse()):
        response = post(agent, {"content": "Do you deliver on weekends?"})
    assert response.status_code == 200
    assert response.json()["status"] == "unavailable" and "team" in response.json()["reply"]
    assert Conversation.unscoped.get(pk=response.json()["conversation_id"]).flagged


def test_lead_capture_creates_one_contact_for_a_repeated_conversation(agent):
    from crm.models import Activity, Contact

    first = post(agent, {"content": "Please contact me at ana@example.com"}).json()
    token = first["visitor_token"]
    post(agent, {"content": "Again, my e-mail is ana@example.com", "visitor_token": token})
    contact = Contact.unscoped.get(workspace=agent.workspace, email="ana@example.com")
    assert contact.source == "ai_agent"
    assert Activity.unscoped.filter(contact=contact).count() == 1
    conversation = Conversation.unscoped.get(pk=first["conversation_id"])
    assert conversation.contact_id == contact.pk
    tools = Message.unscoped.filter(conversation=conversation, role="tool", tool="capture_lead")
    assert tools.count() == 2 and all(t.tool_result["ok"] for t in tools)
    assert "saved your contact details" in first["reply"]
    assert balance(agent.workspace) == 98  # the capture itself is free


def test_handoff_pauses_the_agent_and_notifies_members_until_released(agent, world):
    from notifications.models import Notification

    body = post(agent, {"content": "I want to talk to a human please"}).json()
    assert body["status"] == "handoff"
    conversation = Conversation.unscoped.get(pk=body["conversation_id"])
    assert conversation.flagged and conversation.paused
    assert Notification.unscoped.filter(workspace=agent.workspace, kind="agent_handoff").exists()

    class Refuse(OfflineProvider):
        def complete(self, request):
            raise AssertionError("a paused agent does not answer")

    with use_provider(Refuse()):
        paused = post(agent, {"content": "Hello?", "visitor_token": body["visitor_token"]}).json()
    assert paused["status"] == "paused"
    member = world["A"].client("member")
    url = f"/api/v1/ai-agents/{agent.pk}/conversations/{conversation.pk}/"
    assert member.post(url + "reply/", {"content": "Hi, Maria here."}, format="json").status_code == 201
    assert member.post(url + "release/", {}, format="json").status_code == 200
    again = post(agent, {"content": "How much does shipping cost?", "visitor_token": body["visitor_token"]}).json()
    assert again["status"] == "answered" and "5 euros" in again["reply"]


def test_handoff_keywords_hand_over_without_a_provider_call(agent):
    agent.handoff_keywords = ["complaint"]
    agent.save()

    class Refuse(OfflineProvider):
        def complete(self, request):
            raise AssertionError("keywords need no provider")

    with use_provider(Refuse()):
        body = post(agent, {"content": "I have a COMPLAINT"}).json()
    assert body["status"] == "handoff"
    assert balance(agent.workspace) == 100


def test_a_magic_page_toggles_the_widget_and_its_visitors_chat_from_the_page(agent, world):
    from content.models import LandingPage
    from content.tests.factories import make_landing_page
    from content.tests.test_pages import _base, _login

    a, b = world["A"], world["B"]
    page = make_landing_page(a.workspace, status="published")
    public = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    plain = public.get(f"/p/{page.slug}/")
    assert "<script" not in plain.content.decode() and "script-src" not in plain["Content-Security-Policy"]

    builder_url = _base(world) + f"/pages/{page.pk}/"
    member = _login(a.users["member"])
    form = member.get(builder_url).content.decode()
    assert 'name="chat_agent"' in form and f'value="{agent.pk}"' in form
    draft = make_agent(a.workspace)  # drafts and other workspaces' agents cannot be chosen
    foreign = make_agent(b.workspace, status="published")
    for refused in (draft, foreign):
        assert member.post(builder_url, {"action": "chat", "chat_agent": refused.pk}).status_code == 400
    assert member.post(builder_url, {"action": "chat", "chat_agent": agent.pk}).status_code == 302
    assert LandingPage.unscoped.get(pk=page.pk).chat_agent_id == agent.pk

    html = public.get(f"/p/{page.slug}/")
    src = f"/a/{agent.public_key}/widget.js"
    assert f'<script src="{src}" defer></script>' in html.content.decode()
    policy = html["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "default-src 'none'" in policy
    assert public.get(src).status_code == 200
    # the widget posts from the page's own origin: allowed although it is not in the agent's list
    reply = post(agent, {"content": "Do you deliver on weekends?"}, origin="http://testserver", client=public)
    assert reply.status_code == 200 and "Saturdays" in reply.json()["reply"]

    type(agent).unscoped.filter(pk=agent.pk).update(status="draft")  # unpublished: the page shows no widget
    assert "<script" not in public.get(f"/p/{page.slug}/").content.decode()
    type(agent).unscoped.filter(pk=agent.pk).update(status="published")
    assert member.post(builder_url, {"action": "chat", "chat_agent": ""}).status_code == 302
    assert "<script" not in public.get(f"/p/{page.slug}/").content.decode()
