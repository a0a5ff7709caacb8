"""WhatsApp pages: every page renders (also right-to-left), the composer
previews recipients and cost before sending, progress polls, roles hold,
and another workspace's objects are 404s."""

from __future__ import annotations

import pytest
from django.test import Client

from whatsapp.models import BotRule, Broadcast, OptOut, WhatsAppAccount
from whatsapp.tests.conftest import balance, give_credits
from whatsapp.tests.factories import (
    make_account,
    make_bot_rule,
    make_broadcast,
    make_conversation,
    make_optout,
    make_template,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def a(world):
    give_credits(world["A"].workspace, 1000)
    return world["A"]


@pytest.fixture
def rows(a):
    account = make_account(a.workspace)
    make_template(a.workspace, account=account)
    return {
        "account": account,
        "broadcast": make_broadcast(a.workspace, account=account),
        "conversation": make_conversation(a.workspace, account=account),
        "rule": make_bot_rule(a.workspace, account=account),
        "optout": make_optout(a.workspace),
    }


def _pages(slug, rows):
    base = f"/w/{slug}/whatsapp"
    return [
        f"{base}/",
        f"{base}/templates/",
        f"{base}/broadcasts/",
        f"{base}/broadcasts/new/",
        f"{base}/broadcasts/{rows['broadcast'].pk}/",
        f"{base}/inbox/",
        f"{base}/inbox/{rows['conversation'].pk}/",
        f"{base}/bots/",
        f"{base}/opt-outs/",
    ]


@pytest.mark.parametrize("language", ["en", "ar", "he", "es"])
def test_every_page_renders_for_a_viewer(a, rows, language):
    client = signed_in(a.users["viewer"])
    for path in _pages(a.workspace.slug, rows):
        response = client.get(f"/{language}{path}")
        assert response.status_code == 200, (path, response.status_code)
        html = response.content.decode()
        assert f'lang="{language}"' in html
        assert ('dir="rtl"' in html) == (language in ("ar", "he"))


def test_another_workspace_sees_404s(world, a, rows):
    intruder = signed_in(world["B"].users["owner"])
    for path in _pages(a.workspace.slug, rows):
        assert intruder.get(f"/en{path}").status_code == 404
    own = f"/en/w/{world['B'].workspace.slug}/whatsapp"
    assert intruder.get(f"{own}/broadcasts/{rows['broadcast'].pk}/").status_code == 404
    assert intruder.get(f"{own}/inbox/{rows['conversation'].pk}/").status_code == 404


def test_composer_previews_then_sends(a, rows, run_commit_hooks):
    client = signed_in(a.users["member"])
    url = f"/en/w/{a.workspace.slug}/whatsapp/broadcasts/new/"
    form = {
        "account": rows["account"].pk,
        "message_type": "text",
        "text": "Spring sale: 20% off",
        "source": "list",
        "recipients": "+14155552671\n+1 415 555 2671, 4155552672\nbad",
        "form_key": "abc123",
    }
    preview = client.post(url, {**form, "action": "preview"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "2 recipients will receive it" in html and "10 credits" in html
    assert Broadcast.unscoped.count() == 1  # only the factory's
    before = balance(a.workspace)
    with run_commit_hooks():
        sent = client.post(url, {**form, "action": "send"})
    assert sent.status_code == 302
    created = Broadcast.unscoped.latest("pk")
    assert sent["Location"].endswith(f"/broadcasts/{created.pk}/")
    assert created.counters()["delivered"] == 2  # sandbox
    assert balance(a.workspace) == before - 10
    with run_commit_hooks():  # a double submit of the same form creates nothing new
        client.post(url, {**form, "action": "send"})
    assert Broadcast.unscoped.count() == 2


def test_composer_reports_missing_credits(world):
    tenant = world["A"]
    account = make_account(tenant.workspace)
    client = signed_in(tenant.users["member"])
    recipients = "\n".join(f"+1415555{i:04d}" for i in range(100, 130))
    response = client.post(
        f"/en/w/{tenant.workspace.slug}/whatsapp/broadcasts/new/",
        {"account": account.pk, "message_type": "text", "text": "x", "source": "list", "recipients": recipients,
         "action": "send"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not enough credits: this needs 150 and" in html
    assert f'href="/en/w/{tenant.workspace.slug}/billing/#buy-credits"' in html  # a way out, not a dead end
    assert not Broadcast.unscoped.exists()


def test_progress_partial_polls_while_active(a, rows):
    rows["broadcast"].status = Broadcast.Status.SENDING
    rows["broadcast"].save()
    client = signed_in(a.users["viewer"])
    url = f"/en/w/{a.workspace.slug}/whatsapp/broadcasts/{rows['broadcast'].pk}/?part=progress"
    partial = client.get(url, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "every 2s [!window.nexusoneLive]" in html and "<html" not in html


def test_roles_on_pages(a, rows):
    base = f"/en/w/{a.workspace.slug}/whatsapp"
    viewer, member = signed_in(a.users["viewer"]), signed_in(a.users["member"])
    assert viewer.post(f"{base}/opt-outs/", {"phone": "+14155552699"}).status_code == 403
    assert member.post(f"{base}/opt-outs/", {"phone": "+14155552699"}).status_code == 302
    assert OptOut.unscoped.filter(phone="+14155552699").exists()
    # removing numbers is an admin rule in the permission table: refused before the handler runs
    assert member.post(f"{base}/", {"action": "remove", "account": rows["account"].pk}).status_code == 403
    assert WhatsAppAccount.unscoped.filter(pk=rows["account"].pk).exists()
    admin = signed_in(a.users["admin"])
    admin.post(f"{base}/", {"action": "connect", "phone_number_id": "5550001", "waba_id": "5550002"})
    assert WhatsAppAccount.unscoped.filter(phone_number_id="5550001").exists() is False  # free plan: one number
    assert member.post(f"{base}/bots/", {"action": "toggle", "rule": rows["rule"].pk}).status_code == 302
    assert BotRule.unscoped.get(pk=rows["rule"].pk).is_active is False


def test_reply_from_the_inbox(a, rows, run_commit_hooks):
    from django.utils import timezone

    conversation = rows["conversation"]
    conversation.last_inbound_at = timezone.now()
    conversation.save()
    client = signed_in(a.users["member"])
    url = f"/en/w/{a.workspace.slug}/whatsapp/inbox/{conversation.pk}/"
    with run_commit_hooks():
        assert client.post(url, {"text": "Thanks!"}).status_code == 302
    page = client.get(url).content.decode()
    assert "Thanks!" in page


def test_cancel_from_the_page(a, rows):
    broadcast = make_broadcast(a.workspace, account=rows["account"], status=Broadcast.Status.SCHEDULED)
    client = signed_in(a.users["member"])
    response = client.post(f"/en/w/{a.workspace.slug}/whatsapp/broadcasts/{broadcast.pk}/", follow=True)
    assert "Broadcast cancelled" in response.content.decode()
    assert Broadcast.unscoped.get(pk=broadcast.pk).status == Broadcast.Status.CANCELLED


def test_a_newcomer_connects_a_sandbox_number_from_the_page_without_meta_ids(world, run_commit_hooks):
    b = world["B"]  # no number yet
    admin = signed_in(b.users["admin"])
    url = f"/en/w/{b.workspace.slug}/whatsapp/"
    with run_commit_hooks():
        response = admin.post(url, {"action": "connect", "name": "Try-out", "display_phone_number": "+14155550123"})
    assert response.status_code == 302
    account = WhatsAppAccount.unscoped.get(workspace=b.workspace)
    assert account.is_sandbox and account.name == "Try-out"
    page = admin.post(url, {"action": "connect", "access_token": "EAAtoken"}).content.decode()
    assert "Required with an access token" in page
    assert WhatsAppAccount.unscoped.filter(workspace=b.workspace).count() == 1
