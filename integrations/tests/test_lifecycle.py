"""Keeping OAuth connections honest against the providers' doubles: the beat
task refreshes Shopify's hour-long token before it lapses (the rotated refresh
token replacing the old one), a rejected token becomes `expired` and the
admins are told once (e-mail + banner), the daily check, Meta's revoke on
disconnect, and Slack's webhook verified by a test message."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from integrations import tasks
from integrations.models import Connection, Kind, Status
from integrations.tests.factories import make_connection
from integrations.tests.oauth_doubles import SHOP
from integrations.vault import credentials_for
from nexusone.audit import AuditEntry
from notifications.models import Notification
from notifications.tests.conftest import SlackDouble

pytestmark = pytest.mark.django_db


def shopify_connection(workspace, double, *, expires_in: timedelta) -> Connection:
    issued = double._issue().json()
    return make_connection(
        workspace,
        "shopify",
        kind=Kind.OAUTH,
        api_key="",
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        expires_at=timezone.now() + expires_in,
        account_id=SHOP,
        assets={"shop": {"domain": SHOP, "name": "My Store", "currency": "EUR"}},
    )


def meta_connection(workspace, double, **fields) -> Connection:
    token = f"EAAlong-{workspace.slug}-token-ZZ"
    double.valid.add(token)
    values = {
        "kind": Kind.OAUTH,
        "api_key": "",
        "access_token": token,
        "expires_at": timezone.now() + timedelta(days=50),
        "account_id": "10158000000000001",
        "assets": {"ad_accounts": [{"id": "act_1111", "currency": "EUR"}], "pages": [], "instagram_accounts": []},
        **fields,
    }
    return make_connection(workspace, "meta", **values)


def test_the_beat_task_refreshes_shopifys_hour_long_token_before_it_lapses_and_rotates_the_refresh_token(
    world, apps, django_capture_on_commit_callbacks
):
    a = world["A"]
    soon = shopify_connection(a.workspace, apps["shopify"], expires_in=timedelta(minutes=10))
    later = shopify_connection(world["B"].workspace, apps["shopify"], expires_in=timedelta(minutes=50))
    old_access, old_refresh = soon.access_token, soon.refresh_token
    assert tasks.integrations_refresh_tokens() == {"refreshed": 1, "expired": 0, "failed": 0}
    soon.refresh_from_db()
    assert soon.access_token != old_access and soon.refresh_token != old_refresh
    assert soon.secret_hint == "…" + soon.access_token[-4:]  # the page shows the token in use, not the first one
    assert soon.refresh_token in apps["shopify"].refresh and old_refresh not in apps["shopify"].refresh
    assert timedelta(minutes=59) < soon.expires_at - timezone.now() <= timedelta(hours=1)
    sent = json.loads(apps["shopify"].calls("/admin/oauth/access_token")[0].content)
    assert sent["grant_type"] == "refresh_token" and sent["refresh_token"] == old_refresh
    later.refresh_from_db()
    assert later.last_refreshed_at is None or later.last_refreshed_at < soon.last_refreshed_at  # not due yet
    # The vault serves the new token (and refreshes one that already lapsed on read).
    assert credentials_for(workspace=a.workspace, provider="shopify").secret == soon.access_token
    Connection.unscoped.filter(pk=later.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    creds = credentials_for(workspace=world["B"].workspace, provider="shopify")
    assert creds.secret in apps["shopify"].access and creds.extra == {"shop": SHOP}


def test_a_dead_refresh_token_marks_the_connection_expired_and_tells_the_admins_once(
    world, apps, django_capture_on_commit_callbacks
):
    a = world["A"]
    connection = shopify_connection(a.workspace, apps["shopify"], expires_in=timedelta(minutes=5))
    apps["shopify"].refresh.clear()  # the merchant uninstalled the app
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.integrations_refresh_tokens()["expired"] == 1
    connection.refresh_from_db()
    assert connection.status == Status.EXPIRED and "invalid" in connection.last_error
    # Told once: owner and admin, in the app and by e-mail — not again on the next tick.
    Connection.unscoped.filter(pk=connection.pk).update(status=Status.CONNECTED)  # as if a racing worker still saw it
    with django_capture_on_commit_callbacks(execute=True):
        tasks.integrations_refresh_tokens()
    notes = Notification.unscoped.filter(workspace=a.workspace, kind="integration_expired")
    assert sorted(n.recipient_id for n in notes) == sorted([a.users["owner"].pk, a.users["admin"].pk])
    assert len([m for m in mail.outbox if "Shopify" in m.subject]) == 2
    assert AuditEntry.unscoped.filter(workspace=a.workspace, action="integrations.connection.status_changed").exists()
    # The banner, for admins only.
    page = f"/en/w/{a.workspace.slug}/settings/"
    admin = Client()
    admin.force_login(a.users["admin"])
    assert "Shopify needs to be reconnected" in admin.get(page).content.decode()
    member = Client()
    member.force_login(a.users["member"])
    assert "needs to be reconnected" not in member.get(page).content.decode()


def test_the_daily_check_marks_a_revoked_meta_token_expired(world, apps, django_capture_on_commit_callbacks):
    a = world["A"]
    connection = meta_connection(a.workspace, apps["meta"], last_checked_at=timezone.now() - timedelta(days=2))
    fresh = meta_connection(world["B"].workspace, apps["meta"], last_checked_at=timezone.now())
    apps["meta"].valid.discard(connection.access_token)  # the person removed the app: Graph answers 400 / 190
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.integrations_check_connections() == {"checked": 1, "problems": 1}
    connection.refresh_from_db()
    assert connection.status == Status.EXPIRED and "Error validating access token" in connection.last_error
    assert credentials_for(workspace=a.workspace, provider="meta") is None  # no longer served
    fresh.refresh_from_db()
    assert fresh.status == Status.CONNECTED
    assert Notification.unscoped.filter(workspace=a.workspace, kind="integration_expired").count() == 2


def test_a_meta_token_past_its_expiry_becomes_expired(world, apps, django_capture_on_commit_callbacks):
    connection = meta_connection(world["A"].workspace, apps["meta"], expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.integrations_refresh_tokens()["expired"] == 1
    connection.refresh_from_db()
    assert connection.status == Status.EXPIRED


def test_a_check_that_passes_again_rearms_the_warning(world, apps, django_capture_on_commit_callbacks):
    a = world["A"]
    connection = meta_connection(a.workspace, apps["meta"])
    apps["meta"].valid.discard(connection.access_token)
    response = a.client("admin").post("/api/v1/integrations/meta/check")
    assert response.status_code == 200 and response.json()["status"] == "expired"
    apps["meta"].valid.add(connection.access_token)
    response = a.client("admin").post("/api/v1/integrations/meta/check")
    assert response.json()["status"] == "connected"
    connection.refresh_from_db()
    assert connection.problem_notified_at is None


def test_disconnecting_meta_revokes_the_grant_and_deletes_every_secret(world, apps):
    a = world["A"]
    connection = meta_connection(a.workspace, apps["meta"])
    token = connection.access_token
    response = a.client("admin").delete("/api/v1/integrations/meta")
    assert response.status_code == 204
    assert apps["meta"].revoked == [token]
    revoke = apps["meta"].calls("/v21.0/me/permissions")[0]
    assert revoke.method == "DELETE" and "appsecret_proof" in revoke.url.query.decode()
    assert not Connection.unscoped.filter(workspace=a.workspace, provider="meta").exists()
    entry = AuditEntry.unscoped.get(workspace=a.workspace, action="integrations.connection.disconnected")
    assert entry.metadata["revoked_at_provider"] is True and token not in json.dumps(entry.metadata)


def test_disconnecting_shopify_uninstalls_the_app_so_no_token_of_it_works_any_more(world, apps):
    a = world["A"]
    connection = shopify_connection(a.workspace, apps["shopify"], expires_in=timedelta(minutes=50))
    token = connection.access_token
    assert a.client("admin").delete("/api/v1/integrations/shopify").status_code == 204
    call = apps["shopify"].calls("/admin/api_permissions/current.json")[0]
    assert call.method == "DELETE" and call.headers["x-shopify-access-token"] == token
    assert apps["shopify"].uninstalled and token not in apps["shopify"].access and not apps["shopify"].refresh
    assert not Connection.unscoped.filter(workspace=a.workspace, provider="shopify").exists()
    entry = AuditEntry.unscoped.get(workspace=a.workspace, action="integrations.connection.disconnected")
    assert entry.metadata["revoked_at_provider"] is True


def test_tiktok_check_with_a_revoked_token_marks_it_expired(world, apps, django_capture_on_commit_callbacks):
    a = world["A"]
    connection = make_connection(
        a.workspace, "tiktok", kind=Kind.OAUTH, api_key="", access_token="tt-access-revoked", assets={"advertisers": []}
    )
    with django_capture_on_commit_callbacks(execute=True):
        a.client("admin").post("/api/v1/integrations/tiktok/check")
    connection.refresh_from_db()
    assert connection.status == Status.EXPIRED and "revoked" in connection.last_error


# --- Slack ------------------------------------------------------------------------------------


@pytest.fixture
def slack(settings):
    settings.OUTBOUND_ALLOW_CIDRS = ["127.0.0.0/8"]
    double = SlackDouble()
    settings.SLACK_WEBHOOK_URL_PREFIX = f"http://127.0.0.1:{double.server.server_port}/services/"
    yield double
    double.close()


def test_slack_webhook_is_verified_with_a_test_message_stored_encrypted_and_never_returned(world, slack):
    a = world["A"]
    response = a.client("admin").put("/api/v1/integrations/slack", {"webhook_url": slack.url}, format="json")
    assert response.status_code == 200, response.content
    assert slack.url not in response.content.decode() and response.json()["status"] == "connected"
    assert len(slack.requests) == 1 and "connected" in slack.requests[0]["json"]["text"]
    raw = Connection.unscoped.filter(workspace=a.workspace, provider="slack").values_list("api_key", flat=True)[0]
    assert slack.url not in raw
    from integrations.selectors import slack_webhook_url

    assert slack_webhook_url(workspace=a.workspace) == slack.url
    assert slack_webhook_url(workspace=world["B"].workspace) is None


def test_a_webhook_slack_refuses_is_a_400_and_nothing_is_stored(world, slack):
    slack.refuse(404, "no_service")
    response = world["A"].client("admin").put("/api/v1/integrations/slack", {"webhook_url": slack.url}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "slack_refused"
    assert "no_service" in json.dumps(response.json())
    assert not Connection.unscoped.filter(provider="slack").exists()


def test_a_webhook_url_that_is_not_slacks_is_refused_before_any_request(world, slack):
    response = (
        world["A"]
        .client("admin")
        .put("/api/v1/integrations/slack", {"webhook_url": "http://169.254.169.254/latest/meta-data"}, format="json")
    )
    assert response.status_code == 400 and not slack.requests
    assert not Connection.unscoped.filter(provider="slack").exists()
