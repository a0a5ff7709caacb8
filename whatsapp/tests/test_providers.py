"""The Cloud API client against HTTP doubles built from Meta's documented
payloads: request shape, error mapping by Graph code, transport failures,
template paging."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from whatsapp.providers.base import OutboundMessage, ProviderFailure
from whatsapp.providers.cloud_api import CloudApiProvider
from whatsapp.tests.conftest import GRAPH, TOKEN, CloudApiDouble

MESSAGE = OutboundMessage(to="+14155552671", content={"type": "text", "text": {"body": "hi"}}, callback_data="nx:1")


@pytest.fixture
def provider():
    return CloudApiProvider(phone_number_id="106540352242922", waba_id="102290129340398", access_token=TOKEN)


def test_send_request_and_result(cloud_api, provider):
    result = provider.send_message(MESSAGE)
    request = cloud_api.router.calls[0].request
    assert request.url == f"{GRAPH}/106540352242922/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    body = json.loads(request.content)
    assert body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "14155552671",
                    "type": "text", "text": {"body": "hi"}, "biz_opaque_callback_data": "nx:1"}  # fmt: skip
    assert result.wamid.startswith("wamid.") and result.wa_id == "14155552671" and result.status == "accepted"
    assert TOKEN not in repr(provider)


@pytest.mark.parametrize(
    ("code", "http_status", "reason", "retryable", "fatal"),
    [
        (131026, 400, "invalid_recipient", False, False),
        (131047, 400, "outside_window", False, False),
        (131050, 400, "recipient_unavailable", False, False),
        (132001, 404, "template_not_approved", False, True),
        (132000, 400, "template_invalid", False, True),
        (130429, 400, "rate_limited", True, False),
        (131056, 400, "rate_limited", True, False),
        (80007, 400, "rate_limited", True, False),
        (190, 401, "token_expired", False, True),
        (10, 403, "permission_denied", False, True),
        (131000, 500, "provider_unavailable", True, False),
        (368, 403, "account_restricted", False, True),
        (100, 400, "invalid_request", False, True),
    ],
)
def test_graph_errors_map_to_reasons(provider, code, http_status, reason, retryable, fatal):
    status, body = CloudApiDouble.graph_error(code, "Meta says no", "details from Meta", status=http_status)
    with respx.mock() as router:
        router.post(f"{GRAPH}/106540352242922/messages").respond(status, json=body)
        with pytest.raises(ProviderFailure) as failure:
            provider.send_message(MESSAGE)
    error = failure.value
    assert (error.reason, error.code, error.retryable, error.fatal) == (reason, str(code), retryable, fatal)
    assert error.message == "details from Meta"


@pytest.mark.parametrize(
    ("side_effect", "reason"),
    [
        (httpx.ConnectError("refused"), "provider_unavailable"),  # never left: safe to retry
        (httpx.ConnectTimeout("slow"), "provider_unavailable"),
        (httpx.ReadTimeout("no answer"), "unknown_outcome"),  # may have been accepted: never retried
        (httpx.RemoteProtocolError("dropped"), "unknown_outcome"),
    ],
)
def test_transport_failures(provider, side_effect, reason):
    with respx.mock() as router:
        router.post(f"{GRAPH}/106540352242922/messages").mock(side_effect=side_effect)
        with pytest.raises(ProviderFailure) as failure:
            provider.send_message(MESSAGE)
    assert failure.value.reason == reason


@pytest.mark.parametrize(("status", "reason"), [(502, "provider_unavailable"), (504, "unknown_outcome"),
                                                (429, "rate_limited")])  # fmt: skip
def test_non_json_errors_map_by_http_status(provider, status, reason):
    with respx.mock() as router:
        router.post(f"{GRAPH}/106540352242922/messages").respond(status, text="<html>Bad gateway</html>")
        with pytest.raises(ProviderFailure) as failure:
            provider.send_message(MESSAGE)
    assert failure.value.reason == reason


def test_templates_follow_paging_on_the_graph_host_only(provider):
    page1 = {"data": [{"id": "1", "name": "a", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
                       "components": []}],
             "paging": {"cursors": {"before": "x", "after": "y"},
                        "next": f"{GRAPH}/102290129340398/message_templates?after=y&limit=100"}}  # fmt: skip
    page2 = {"data": [{"id": "2", "name": "b", "language": "es", "status": "PENDING", "category": "MARKETING"}],
             "paging": {"cursors": {"before": "y", "after": "z"}}}  # fmt: skip
    with respx.mock() as router:
        route = router.get(url__startswith=f"{GRAPH}/102290129340398/message_templates")
        route.side_effect = [httpx.Response(200, json=page1), httpx.Response(200, json=page2)]
        templates = provider.list_templates()
    assert [(t.name, t.language, t.status) for t in templates] == [("a", "en_US", "APPROVED"), ("b", "es", "PENDING")]
    assert route.calls[1].request.url.params["after"] == "y"
    evil = {"data": [], "paging": {"next": "https://evil.example/steal?token=1"}}
    with respx.mock() as router:
        router.get(url__startswith=f"{GRAPH}/102290129340398/message_templates").respond(200, json=evil)
        with pytest.raises(ProviderFailure):
            provider.list_templates()


def test_phone_number_info(cloud_api, provider):
    info = provider.phone_number_info()
    expected = ("+1 631-555-5555", "Jasper's Market", "GREEN")
    assert (info.display_phone_number, info.verified_name, info.quality_rating) == expected
