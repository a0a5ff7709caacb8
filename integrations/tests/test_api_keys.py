"""API-key providers through the API: verify with one live call (against the
providers' doubles), store encrypted, never return or log the secret, check,
disconnect, roles, audit, and the CJ token rules."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from integrations import signals
from integrations.models import Connection, Status
from integrations.tests.doubles import (
    CJDouble,
    ProviderDouble,
    did_credits,
    elevenlabs_voices,
    openai_error,
    openai_models,
)
from nexusone.audit import AuditEntry

pytestmark = pytest.mark.django_db

GOOD = {
    "openai": "sk-proj-good-openai-key-7Qx1",
    "elevenlabs": "el-good-elevenlabs-key-3Vb2",
    "did": "dXNlckBleGFtcGxlLmNvbQ:good-did-key-9Zz8",
    "cj_dropshipping": "CJ1234567@api@good-cj-key-4Kk7",
}
BAD = "totally-wrong-key-0000"


def doubles() -> ProviderDouble:
    double = ProviderDouble()
    double.on("GET", "/v1/models", openai_models({GOOD["openai"]}))
    double.on("GET", "/v1/voices", elevenlabs_voices({GOOD["elevenlabs"]}))
    double.on("GET", "/credits", did_credits({GOOD["did"]}))
    return double


@pytest.fixture
def providers():
    double = doubles()
    with double.installed():
        yield double


def put_key(client, provider, key):
    return client.put(f"/api/v1/integrations/{provider}", {"api_key": key}, format="json")


@pytest.mark.parametrize("provider", ["openai", "elevenlabs", "did"])
def test_a_good_key_is_verified_stored_encrypted_and_never_returned(world, providers, provider, caplog):
    caplog.set_level(logging.DEBUG)
    a = world["A"]
    key = GOOD[provider]
    response = put_key(a.client("admin"), provider, key)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["provider"], body["status"], body["connected"], body["kind"]) == (
        provider,
        "connected",
        True,
        "api_key",
    )
    assert body["secret_hint"] == "…" + key[-4:]
    assert key not in response.content.decode()
    assert len(providers.requests) == 1  # one cheap live call
    # At rest: ciphertext bound to the workspace, not the key.
    raw = Connection.unscoped.filter(workspace=a.workspace, provider=provider).values_list("api_key", flat=True)[0]
    assert key not in raw and raw.startswith("gAAAAA")
    # Never in a log line, never in the audit log.
    assert all(
        key not in record.getMessage() and key not in json.dumps(record.__dict__, default=str)
        for record in caplog.records
    )
    entry = AuditEntry.unscoped.get(workspace=a.workspace, action="integrations.connection.connected")
    assert entry.actor_user == a.users["admin"] and key not in json.dumps(entry.metadata)
    listed = a.client("viewer").get("/api/v1/integrations/").json()
    assert key not in json.dumps(listed)


def test_assets_of_a_key_connection(world, providers):
    a = world["A"]
    put_key(a.client("owner"), "elevenlabs", GOOD["elevenlabs"])
    assets = a.client("viewer").get("/api/v1/integrations/elevenlabs/assets").json()
    assert [v["voice_id"] for v in assets["assets"]["voices"]] == ["21m00Tcm4TlvDq8ikWAM", "AZnzlk1XvdvUeBnXmlld"]
    assert assets["assets"]["voices"][0]["name"] == "Rachel"


@pytest.mark.parametrize(
    ("provider", "reason"),
    [("openai", "Incorrect API key provided"), ("elevenlabs", "Invalid API key"), ("did", "user unauthenticated")],
)
def test_a_bad_key_is_refused_with_the_providers_reason_and_nothing_stored(world, providers, provider, reason):
    a = world["A"]
    response = put_key(a.client("admin"), provider, BAD)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_credentials"
    assert error["details"]["provider"] == provider and reason in error["details"]["reason"]
    assert BAD not in response.content.decode()
    assert not Connection.unscoped.filter(workspace=a.workspace).exists()
    assert not AuditEntry.unscoped.filter(workspace=a.workspace, action__startswith="integrations.").exists()


def test_a_provider_that_is_down_is_a_502_not_a_refusal(world):
    double = ProviderDouble().on("GET", "/v1/models", httpx.Response(503, json=openai_error("busy", None)))
    with double.installed():
        response = put_key(world["A"].client("admin"), "openai", GOOD["openai"])
    assert response.status_code == 502 and response.json()["error"]["code"] == "provider_error"
    assert not Connection.unscoped.exists()


def test_an_exhausted_openai_key_is_refused(world):
    answer = httpx.Response(
        429, json=openai_error("You exceeded your current quota.", "insufficient_quota", "insufficient_quota")
    )
    with ProviderDouble().on("GET", "/v1/models", answer).installed():
        response = put_key(world["A"].client("admin"), "openai", GOOD["openai"])
    assert response.status_code == 400 and "quota" in response.json()["error"]["details"]["reason"]


def test_only_admins_and_owners_connect_change_or_delete(world, providers):
    a = world["A"]
    for role in ("member", "viewer"):
        assert put_key(a.client(role), "openai", GOOD["openai"]).status_code == 403
    assert providers.requests == []
    assert put_key(a.client("owner"), "openai", GOOD["openai"]).status_code == 200
    for role in ("member", "viewer"):
        assert a.client(role).delete("/api/v1/integrations/openai").status_code == 403
        assert a.client(role).post("/api/v1/integrations/openai/check").status_code == 403
        assert a.client(role).patch("/api/v1/integrations/openai", {"settings": {}}, format="json").status_code == 403
    assert a.client("viewer").get("/api/v1/integrations/openai").json()["connected"] is True


def test_oauth_providers_take_no_api_key(world, providers):
    response = put_key(world["A"].client("admin"), "meta", "EAAB-token")
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_a_key_provider"


def test_the_list_shows_every_provider_and_the_platform_key_fallback(world, settings):
    settings.OPENAI_API_KEY = "sk-platform-key-0001"
    listed = {item["provider"]: item for item in world["A"].client("viewer").get("/api/v1/integrations").json()}
    assert set(listed) == {"openai", "elevenlabs", "did", "cj_dropshipping", "meta", "shopify", "tiktok", "slack"}
    assert listed["openai"]["status"] == "not_connected" and listed["openai"]["uses_platform_key"] is True
    assert listed["elevenlabs"]["uses_platform_key"] is False
    assert "sk-platform-key-0001" not in json.dumps(listed)


def test_the_list_costs_one_query_for_the_connections(world, providers):
    a = world["A"]
    put_key(a.client("owner"), "openai", GOOD["openai"])
    client = a.client("viewer")
    client.get("/api/v1/integrations/")  # warm the session and membership caches
    with CaptureQueriesContext(db) as queries:
        client.get("/api/v1/integrations/")
    # auth session + membership + one SELECT of the connections: no query per provider
    assert sum("integrations_connection" in q["sql"] for q in queries.captured_queries) == 1


def test_check_marks_a_revoked_key_expired_once_and_recovers(world, providers):
    a = world["A"]
    put_key(a.client("admin"), "openai", GOOD["openai"])
    providers.routes[("GET", "/v1/models")] = openai_models(set())  # the key was revoked at OpenAI
    body = a.client("admin").post("/api/v1/integrations/openai/check").json()
    assert body["status"] == "expired" and "Incorrect API key" in body["last_error"]
    assert GOOD["openai"] not in json.dumps(body)
    a.client("admin").post("/api/v1/integrations/openai/check")
    changes = AuditEntry.unscoped.filter(workspace=a.workspace, action="integrations.connection.status_changed")
    assert changes.count() == 1  # expired once, not at every check
    providers.routes[("GET", "/v1/models")] = openai_models({GOOD["openai"]})
    assert a.client("admin").post("/api/v1/integrations/openai/check").json()["status"] == "connected"


def test_check_with_the_provider_down_keeps_the_status(world, providers):
    a = world["A"]
    put_key(a.client("admin"), "did", GOOD["did"])
    providers.routes[("GET", "/credits")] = lambda request: httpx.Response(
        504, json={"message": "Endpoint request timed out"}
    )
    body = a.client("admin").post("/api/v1/integrations/did/check").json()
    assert body["status"] == "connected" and body["last_error"] == "server_error"


def test_disconnect_removes_the_row_and_announces_it(world, providers, django_capture_on_commit_callbacks):
    a = world["A"]
    put_key(a.client("admin"), "openai", GOOD["openai"])
    received = []
    signals.connection_disconnected.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-disc")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = a.client("admin").delete("/api/v1/integrations/openai")
    finally:
        signals.connection_disconnected.disconnect(dispatch_uid="t-disc")
    assert response.status_code == 204
    assert not Connection.unscoped.filter(workspace=a.workspace).exists()
    assert [r["provider"] for r in received] == ["openai"]
    assert AuditEntry.unscoped.filter(action="integrations.connection.disconnected").count() == 1
    assert a.client("viewer").get("/api/v1/integrations/openai").json()["status"] == "not_connected"
    assert a.client("admin").delete("/api/v1/integrations/openai").status_code == 404


def test_picking_a_setting_accepts_only_the_connections_assets(world, providers):
    a = world["A"]
    put_key(a.client("admin"), "openai", GOOD["openai"])
    client = a.client("admin")
    ok = client.patch("/api/v1/integrations/openai", {"settings": {"model": "gpt-4o"}}, format="json")
    assert ok.status_code == 200 and ok.json()["settings"] == {"model": "gpt-4o"}
    for bad in ({"model": "gpt-9-ultra"}, {"ad_account_id": "act_1"}):
        response = client.patch("/api/v1/integrations/openai", {"settings": bad}, format="json")
        assert response.status_code == 400 and set(response.json()["error"]["details"]) == set(bad)
    assert Connection.unscoped.get(workspace=a.workspace).settings == {"model": "gpt-4o"}
    assert AuditEntry.unscoped.filter(action="integrations.connection.settings_changed").count() == 1


def test_connected_signal_fires_after_commit(world, providers, django_capture_on_commit_callbacks):
    received = []
    signals.connection_connected.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-conn")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            put_key(world["A"].client("admin"), "elevenlabs", GOOD["elevenlabs"])
    finally:
        signals.connection_connected.disconnect(dispatch_uid="t-conn")
    assert len(received) == 1
    assert received[0]["provider"] == "elevenlabs" and received[0]["reconnected"] is False
    assert received[0]["workspace_id"] == world["A"].workspace.pk


# --- CJ Dropshipping -------------------------------------------------------------------------------


@pytest.fixture
def cj():
    double = CJDouble({GOOD["cj_dropshipping"]})
    with double.installed():
        yield double


def test_cj_key_is_exchanged_for_kept_tokens(world, cj):
    a = world["A"]
    response = put_key(a.client("admin"), "cj_dropshipping", GOOD["cj_dropshipping"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["account_id"] == "123456789" and body["expires_at"].startswith("2027-01-15")
    assert "cj-access-token" not in response.content.decode()
    stored = Connection.unscoped.get(workspace=a.workspace)
    assert stored.access_token == "cj-access-token-0001-f59a2b"
    assert stored.refresh_token == "cj-refresh-token-0001-f7ed1c"
    assert cj.calls("/api2.0/v1/authentication/getAccessToken")[0].content == (
        b'{"apiKey":"' + GOOD["cj_dropshipping"].encode() + b'"}'
    )


def test_cj_token_is_never_requested_more_than_once_per_5_minutes(world, cj):
    a = world["A"]
    assert put_key(a.client("admin"), "cj_dropshipping", GOOD["cj_dropshipping"]).status_code == 200
    again = put_key(a.client("admin"), "cj_dropshipping", GOOD["cj_dropshipping"])
    assert again.status_code == 429 and again.json()["error"]["code"] == "rate_limited"
    assert 290 <= int(again["Retry-After"]) <= 300
    assert len(cj.calls("/api2.0/v1/authentication/getAccessToken")) == 1


def test_a_bad_cj_key_is_refused(world, cj):
    response = put_key(world["A"].client("admin"), "cj_dropshipping", BAD)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["reason"] == "Invalid API key or access token"
    assert not Connection.unscoped.exists()


def test_cj_refresh_rotates_tokens_and_check_uses_the_access_token(world, cj):
    from integrations import services
    from nexusone.tenancy import workspace_scope

    a = world["A"]
    put_key(a.client("admin"), "cj_dropshipping", GOOD["cj_dropshipping"])
    with workspace_scope(a.workspace):
        connection = Connection.objects.get()
        services.connection_refresh(connection=connection)
        connection.refresh_from_db()
        assert connection.access_token == "cj-access-token-0002-f59a2b"
        assert connection.refresh_token == "cj-refresh-token-0002-f7ed1c"  # rotated
        assert services.connection_check(connection=connection).status == Status.CONNECTED
        assert cj.calls("/api2.0/v1/product/getCategory")[-1].headers["cj-access-token"] == connection.access_token
