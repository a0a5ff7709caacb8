"""Accounts (quota, verification, roles, the token never returned), bot rules,
opt-outs, account removal, and query budgets on every list."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from billing.models import BillingAccount, Plan
from nexusone.tenancy import workspace_scope
from whatsapp.models import BotRule, Broadcast, Conversation, OptOut, WhatsAppAccount
from whatsapp.tests.conftest import TOKEN, CloudApiDouble, balance, give_credits
from whatsapp.tests.factories import (
    make_account,
    make_bot_rule,
    make_broadcast,
    make_conversation,
    make_optout,
    make_template,
)

pytestmark = pytest.mark.django_db
ACCOUNTS = "/api/v1/whatsapp/accounts/"


def connect(tenant, role="admin", **body):
    body = {"phone_number_id": "106540352242922", "waba_id": "102290129340398", **body}
    return tenant.client(role).post(ACCOUNTS, body, format="json")


def test_admin_connects_a_sandbox_number(world, run_commit_hooks):
    with run_commit_hooks():
        response = connect(world["A"], display_phone_number="+15550001111", name="Shop")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mode"] == "sandbox" and body["access_token_hint"] is None
    assert body["effective_messages_per_second"] == 1000  # the test setting
    # templates were synced after commit (sandbox: Meta's sample)
    templates = world["A"].client("viewer").get("/api/v1/whatsapp/templates/").json()["results"]
    assert {t["name"] for t in templates} == {"hello_world", "order_update"}


def test_a_sandbox_number_needs_no_meta_ids_but_a_token_does(world, run_commit_hooks):
    client = world["A"].client("admin")
    with run_commit_hooks():
        response = client.post(ACCOUNTS, {"name": "Try-out", "display_phone_number": "+972547654321"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["mode"] == "sandbox"
    refused = client.post(ACCOUNTS, {"access_token": TOKEN}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["details"]) == {"phone_number_id", "waba_id"}
    with workspace_scope(world["A"].workspace):
        assert WhatsAppAccount.objects.count() == 1


def test_connecting_with_a_token_verifies_it_with_meta(world, cloud_api, run_commit_hooks):
    with run_commit_hooks():
        response = connect(world["A"], access_token=TOKEN)
    assert response.status_code == 201
    body = response.json()
    assert body["mode"] == "cloud_api"
    assert body["display_phone_number"] == "+1 631-555-5555"  # from Meta
    assert body["verified_name"] == "Jasper's Market"
    assert body["access_token_hint"] == "…" + TOKEN[-4:]
    assert TOKEN not in response.content.decode()
    calls = [call.request for call in cloud_api.router.calls]
    assert all(request.headers["Authorization"] == f"Bearer {TOKEN}" for request in calls)


def test_a_token_meta_refuses_is_a_400_and_nothing_is_stored(world, cloud_api):
    import httpx

    status, error = CloudApiDouble.graph_error(
        190, "Invalid OAuth access token - Cannot parse access token", status=401
    )
    cloud_api.router.routes[3].side_effect = lambda request: httpx.Response(status, json=error)
    response = connect(world["A"], access_token="EAAG-bad-token")
    assert response.status_code == 400
    assert "access_token" in response.json()["error"]["details"]
    assert not WhatsAppAccount.unscoped.exists()


@pytest.mark.parametrize("token", ["EAAG–token–with–dashes", "EAAG token", "x" * 2049, "EAAG\u200btoken"])
def test_a_token_that_is_not_visible_ascii_is_a_400_naming_the_field(world, cloud_api, token):
    """Found by fuzzing from the schema: a non-ASCII token was a 500 (UnicodeEncodeError in the header)."""
    created = connect(world["A"], access_token=token)
    assert created.status_code == 400, created.content
    assert list(created.json()["error"]["details"]) == ["access_token"]
    account = make_account(world["A"].workspace)
    changed = world["A"].client("admin").patch(f"{ACCOUNTS}{account.pk}/", {"access_token": token}, format="json")
    assert changed.status_code == 400 and list(changed.json()["error"]["details"]) == ["access_token"]
    assert cloud_api.router.calls.call_count == 0  # nothing reached Meta


def test_members_and_viewers_cannot_connect_or_remove(world):
    account = make_account(world["A"].workspace)
    assert connect(world["A"], role="member").status_code == 403
    assert world["A"].client("member").delete(f"{ACCOUNTS}{account.pk}/").status_code == 403
    assert world["A"].client("viewer").get(f"{ACCOUNTS}{account.pk}/").status_code == 200


def test_the_plans_number_quota(world, run_commit_hooks):
    """Free plan: one WhatsApp number."""
    give_credits(world["A"].workspace, 10)  # opens the billing account on the default (free) plan
    assert BillingAccount.unscoped.get(workspace=world["A"].workspace).plan.whatsapp_numbers == 1
    with run_commit_hooks():
        assert connect(world["A"]).status_code == 201
    second = connect(world["A"], phone_number_id="106540352242999")
    assert second.status_code == 403
    error = second.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert error["details"] == {"quota": "whatsapp_numbers", "limit": 1, "used": 1}
    pro = Plan.objects.get(key="pro")
    BillingAccount.unscoped.filter(workspace=world["A"].workspace).update(plan=pro)
    with run_commit_hooks():
        assert connect(world["A"], phone_number_id="106540352242999").status_code == 201


def test_a_number_connected_elsewhere_is_refused(world, cloud_api, run_commit_hooks):
    with run_commit_hooks():
        assert connect(world["A"], access_token=TOKEN).status_code == 201
    response = connect(world["B"], access_token=TOKEN)
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_connected"
    # the answer names no workspace
    assert world["A"].workspace.name not in response.content.decode()
    assert world["A"].workspace.slug not in response.content.decode()


def test_sandbox_numbers_get_ids_meta_never_sends(world, run_commit_hooks):
    with run_commit_hooks():
        first = connect(world["A"])
        second = connect(world["B"])  # the same id typed twice: no conflict, nothing claimed
    assert first.status_code == second.status_code == 201
    ids = {first.json()["phone_number_id"], second.json()["phone_number_id"]}
    assert len(ids) == 2 and all(i.startswith("sandbox-") and not i.isdigit() for i in ids)
    assert "106540352242922" not in ids


def test_a_token_must_prove_the_number_belongs_to_the_waba(world, cloud_api):
    cloud_api.foreign.add("106540352242922")  # Meta lists it under another business's WABA
    response = connect(world["A"], access_token=TOKEN)
    assert response.status_code == 400 and "phone_number_id" in response.json()["error"]["details"]
    assert not WhatsAppAccount.unscoped.exists()


def test_a_proven_number_takes_over_from_an_unproven_squatter(world, cloud_api, run_commit_hooks):
    """A token-less row naming a real number (as the old sandbox allowed)
    receives no webhooks, and gives the number up to the business that proves it."""
    from whatsapp.tests.conftest import inbound_payload, post_webhook

    squatter = make_account(world["B"].workspace, phone_number_id="106540352242922")
    with run_commit_hooks():
        post_webhook(APIClient(), inbound_payload("106540352242922", sender="14155552671", text="hi", wamid="w1"))
    assert not Conversation.unscoped.exists()  # nothing reached the squatter
    with run_commit_hooks():
        owner = connect(world["A"], access_token=TOKEN)
    assert owner.status_code == 201
    squatter.refresh_from_db()
    assert squatter.phone_number_id.startswith("sandbox-")
    with run_commit_hooks():
        post_webhook(APIClient(), inbound_payload("106540352242922", sender="14155552671", text="hi", wamid="w2"))
    assert list(Conversation.unscoped.values_list("workspace_id", flat=True)) == [world["A"].workspace.pk]


def test_update_the_token_then_back_to_sandbox(world, cloud_api):
    account = make_account(world["A"].workspace, phone_number_id="106540352242922")
    url = f"{ACCOUNTS}{account.pk}/"
    response = world["A"].client("admin").patch(url, {"access_token": TOKEN, "messages_per_second": 40}, format="json")
    assert response.status_code == 200
    assert (response.json()["mode"], response.json()["effective_messages_per_second"]) == ("cloud_api", 40)
    assert WhatsAppAccount.unscoped.get(pk=account.pk).access_token == TOKEN
    response = world["A"].client("admin").patch(url, {"access_token": ""}, format="json")
    assert response.json()["mode"] == "sandbox"


def test_removing_a_number_cancels_and_refunds_its_running_broadcasts(world, django_capture_on_commit_callbacks):
    tenant = world["A"]
    give_credits(tenant.workspace, 1000)
    account = make_account(tenant.workspace)
    before = balance(tenant.workspace)
    with django_capture_on_commit_callbacks(execute=False):  # the broker holds the tasks
        created = tenant.client("member").post(
            "/api/v1/whatsapp/broadcasts/",
            {"whatsapp_account_id": account.pk, "message": {"type": "text", "text": {"body": "x"}},
             "recipients": ["+14155552671", "+14155552672"]},
            format="json", HTTP_IDEMPOTENCY_KEY="r",
        )  # fmt: skip
    assert balance(tenant.workspace) == before - 10
    assert tenant.client("admin").delete(f"{ACCOUNTS}{account.pk}/").status_code == 204
    broadcast = Broadcast.unscoped.get(pk=created.json()["id"])
    assert (broadcast.status, broadcast.account_id, broadcast.count_cancelled) == ("cancelled", None, 2)
    assert balance(tenant.workspace) == before


def test_bot_rules_crud_and_validation(world):
    tenant = world["A"]
    account = make_account(tenant.workspace)
    client = tenant.client("member")
    url = "/api/v1/whatsapp/bot-rules/"
    bad = client.post(url, {"whatsapp_account_id": account.pk, "name": "x", "match_type": "regex", "pattern": "(",
                            "reply_text": "y"}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "pattern" in bad.json()["error"]["details"]
    foreign = make_account(world["B"].workspace)
    cross = client.post(url, {"whatsapp_account_id": foreign.pk, "name": "x", "pattern": "hi", "reply_text": "y"},
                        format="json")  # fmt: skip
    assert cross.status_code == 400
    created = client.post(url, {"whatsapp_account_id": account.pk, "name": "Hi", "pattern": "hi, hello",
                                "reply_text": "Hello!", "language": "es"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    rule_url = f"{url}{created.json()['id']}/"
    assert client.patch(rule_url, {"is_active": False}, format="json").json()["is_active"] is False
    assert client.delete(rule_url).status_code == 204
    assert not BotRule.unscoped.exists()


def test_opt_outs_api(world):
    tenant = world["A"]
    url = "/api/v1/whatsapp/opt-outs/"
    created = tenant.client("member").post(url, {"phone": "(415) 555-2671"}, format="json")
    assert created.status_code == 201 and created.json()["phone"] == "+14155552671"
    assert tenant.client("member").post(url, {"phone": "+14155552671"}, format="json").status_code == 200
    assert tenant.client("member").post(url, {"phone": "nope"}, format="json").status_code == 400
    assert tenant.client("member").delete(f"{url}{created.json()['id']}/").status_code == 204
    assert not OptOut.unscoped.exists()


@pytest.mark.parametrize(
    ("url", "factory", "budget"),
    [
        # auth (session+user) 2, membership 1, plan limit 1 (cached after), then COUNT + page = 2 … see comments
        ("/api/v1/whatsapp/accounts/", make_account, 9),
        ("/api/v1/whatsapp/templates/", make_template, 9),
        ("/api/v1/whatsapp/broadcasts/", make_broadcast, 9),
        ("/api/v1/whatsapp/conversations/", make_conversation, 9),
        ("/api/v1/whatsapp/bot-rules/", make_bot_rule, 9),
        ("/api/v1/whatsapp/opt-outs/", make_optout, 9),
    ],
)
def test_list_query_budgets(world, django_assert_max_num_queries, url, factory, budget):
    """Why 9: authentication and the membership lookup (≈3 queries), the plan's
    rate limit (≤2, cached afterwards), the page's COUNT(*) and the page itself
    (2); serializers add no query per row (no N+1), so the budget does not grow
    with the number of rows — checked with 12 rows."""
    tenant = world["A"]
    client = tenant.client("viewer")
    client.get(url)  # warm the plan-limit cache
    with workspace_scope(tenant.workspace):
        for index in range(12):
            if factory is make_account:
                factory(tenant.workspace)
            elif factory is make_template:
                factory(tenant.workspace, name=f"template_{index}")
            elif factory is make_conversation or factory is make_optout:
                factory(tenant.workspace, phone=f"+1415555{index:04d}")
            else:
                factory(tenant.workspace)
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200 and response.json()["count"] >= 12


def test_broadcast_messages_use_keyset_pagination(world, django_assert_max_num_queries):
    """100,000 messages must page without COUNT(*): cursor on id."""
    from whatsapp.models import Message

    tenant = world["A"]
    broadcast = make_broadcast(tenant.workspace)
    with workspace_scope(tenant.workspace):
        Message.objects.bulk_create(
            [Message(workspace=tenant.workspace, broadcast=broadcast, to=f"+1415555{i:04d}") for i in range(250)]
        )
    client = tenant.client("viewer")
    url = f"/api/v1/whatsapp/broadcasts/{broadcast.pk}/messages/?page_size=100"
    client.get(url)
    with django_assert_max_num_queries(7):  # auth + membership + the broadcast + one page, no COUNT(*)
        first = client.get(url).json()
    assert "count" not in first and len(first["results"]) == 100
    second = client.get(first["next"]).json()
    assert second["results"][0]["id"] > first["results"][-1]["id"]
