"""Every API error uses the envelope, never a 500 or an HTML page for a
client mistake; messages follow Accept-Language."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error


def test_unknown_api_routes_are_404_in_the_envelope(world):
    for url in ("/api/v1/nope/", "/api/v1/me/extra", "/api/v2/anything", "/api/"):
        assert_envelope(world["A"].client().get(url), 404, "not_found")
        assert_envelope(APIClient().post(url, {}), 404, "not_found")


def test_method_not_allowed(world):
    assert_envelope(world["A"].client().delete("/api/v1/me"), 405, "method_not_allowed")


def test_malformed_json_is_400(world):
    response = world["A"].client().post("/api/v1/workspaces/", "{not json", content_type="application/json")
    assert_envelope(response, 400, "parse_error")
    anonymous = APIClient().post("/api/v1/auth/login", "[1,", content_type="application/json")
    assert_envelope(anonymous, 400, "parse_error")


def test_unsupported_media_type(world):
    response = world["A"].client().post("/api/v1/workspaces/", "name=x", content_type="text/plain")
    assert_envelope(response, 415, "unsupported_media_type")


def test_validation_errors_map_fields_to_messages(world):
    error = assert_envelope(world["A"].client().post("/api/v1/workspaces/", {}, format="json"), 400, "validation_error")
    assert list(error["details"]) == ["name"] and isinstance(error["details"]["name"], list)


def test_body_over_the_limit_is_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"name": "' + "x" * 2048 + '"}'
    error = assert_envelope(
        world["A"].client().post("/api/v1/workspaces/", body, content_type="application/json"), 413, "payload_too_large"
    )
    assert error["details"]["limit"] == 1024
    oversized = world["A"].client().post("/api/v1/workspaces/", body, content_type="application/json")
    assert not oversized.has_header("Connection")  # hop-by-hop: WSGI forbids it (runserver turned it into a 500)
    # an 11 MB upload against the multipart limit
    settings.MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
    response = APIClient().generic(
        "POST", "/api/v1/auth/login", b"x" * (11 * 1024 * 1024), content_type="multipart/form-data; boundary=x"
    )
    assert_envelope(response, 413, "payload_too_large")


def test_any_method_on_an_unknown_api_path_is_the_envelopes_404():
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)  # no CSRF cookie, like an integrator's POST
    for method in ("get", "post", "put", "patch", "delete"):
        assert_envelope(getattr(browser, method)("/api/v1/no-such-thing/"), 404, "not_found")


def test_not_authenticated_and_bad_credentials(world):
    assert_envelope(APIClient().get("/api/v1/me"), 401, "not_authenticated")
    bad = APIClient(HTTP_AUTHORIZATION="Bearer garbage").get("/api/v1/me")
    assert_envelope(bad, 401, "authentication_failed")
    assert bad["WWW-Authenticate"].startswith("Bearer")


def test_permission_denied_is_403(world):
    assert_envelope(world["A"].client("member").get("/api/v1/api-keys/"), 403, "permission_denied")


@pytest.mark.parametrize("language", ["es", "pt", "ar", "he"])
def test_messages_follow_accept_language(world, language):
    response = world["A"].client().get("/api/v1/workspaces/999999/", HTTP_ACCEPT_LANGUAGE=language)
    error = assert_envelope(response, 404, "not_found")
    assert error["message"] != "Workspace not found."


@pytest.mark.parametrize("language", ["es", "pt", "ar", "he"])
def test_our_own_messages_are_translated(world, language):
    response = world["A"].client().post("/api/v1/workspaces/", {}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    error = assert_envelope(response, 400, "validation_error")
    assert error["message"] != "Some fields are invalid."


def test_health_reports_each_dependency():
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_health_is_503_when_a_dependency_is_down(monkeypatch):
    from nexusone import health

    def broken():
        raise ConnectionError("down")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = APIClient().get("/healthz")
    assert b"ConnectionError" not in response.content
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {
        "ok": False,
        "status": "error",  # no exception class names for anonymous callers
        "ms": response.json()["checks"]["cache"]["ms"],
    }


def test_production_logs_are_json_lines():
    import json
    import logging

    from nexusone.logging import JsonFormatter

    record = logging.LogRecord("nexusone.test", logging.WARNING, __file__, 1, "charged %s credits", (5,), None)
    record.workspace_id = 7
    line = JsonFormatter().format(record)
    payload = json.loads(line)
    assert payload["message"] == "charged 5 credits" and payload["level"] == "WARNING"
    assert payload["workspace_id"] == 7 and payload["logger"] == "nexusone.test"


def test_api_docs_and_schema_are_public_and_served_without_external_assets():
    import re

    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/v1/auth/login" in schema.content.decode()
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    external = [url for url in re.findall(r"""(?:src|href)=["']([^"']+)""", html) if url.startswith(("http", "//"))]
    assert external == []
