import pytest


@pytest.fixture
def unthrottled(monkeypatch, settings):
    """The route walk makes hundreds of calls a minute from one workspace; the
    per-plan throttle is tested on its own, so lift it here."""
    monkeypatch.setattr("nexusone.api.throttles.workspace_rate_limit", lambda workspace: 10**6)
    settings.API_DEFAULT_REQUESTS_PER_MINUTE = 10**6
