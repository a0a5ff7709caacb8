"""`credentials_for`: the workspace's own connection, else the platform key,
else None (→ offline provider)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Status
from integrations.tests.doubles import CJDouble
from integrations.tests.factories import make_connection
from integrations.vault import credentials_for

pytestmark = pytest.mark.django_db


def test_own_key_then_platform_key_then_none(world, settings):
    a, b = world["A"], world["B"]
    settings.ELEVENLABS_API_KEY = "platform-eleven-key-0001"
    make_connection(a.workspace, "elevenlabs", api_key="own-eleven-key-AAAA", settings={"voice_id": "v1"})
    own = credentials_for(workspace=a.workspace, provider="elevenlabs")
    assert (own.source, own.secret, own.last4, own.settings) == (
        "workspace",
        "own-eleven-key-AAAA",
        "AAAA",
        {"voice_id": "v1"},
    )
    platform = credentials_for(workspace=b.workspace, provider="elevenlabs")
    assert (platform.source, platform.secret, platform.connection_id) == ("platform", "platform-eleven-key-0001", None)
    settings.ELEVENLABS_API_KEY = ""
    assert credentials_for(workspace=b.workspace, provider="elevenlabs") is None
    assert "own-eleven-key" not in repr(own)  # never printed by accident


def test_an_expired_own_key_falls_back_to_the_platform_key(world, settings):
    settings.OPENAI_API_KEY = "sk-platform-0002"
    make_connection(world["A"].workspace, "openai", status=Status.EXPIRED)
    assert credentials_for(workspace=world["A"].workspace, provider="openai").source == "platform"


def test_oauth_providers_have_no_platform_key(world):
    assert credentials_for(workspace=world["A"].workspace, provider="meta") is None
    with pytest.raises(ValueError):
        credentials_for(workspace=world["A"].workspace, provider="myspace")


def test_an_expired_token_is_refreshed_on_read(world):
    double = CJDouble(set())
    double.valid_refresh.add("cj-refresh-old-0000")
    make_connection(
        world["A"].workspace,
        "cj_dropshipping",
        access_token="cj-access-old-0000",
        refresh_token="cj-refresh-old-0000",
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    with double.installed():
        creds = credentials_for(workspace=world["A"].workspace, provider="cj_dropshipping")
    assert creds.secret == "cj-access-token-0001-f59a2b"
    assert len(double.calls("/api2.0/v1/authentication/refreshAccessToken")) == 1
