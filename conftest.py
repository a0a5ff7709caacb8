"""Suite-wide fixtures: no network, a clean cache per test, and a two-workspace
world with one user per role (pretix-style), used by the isolation tests."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

_real_connect = socket.socket.connect


def _is_local(address) -> bool:
    if isinstance(address, str):  # AF_UNIX
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(sock, address):
    if not _is_local(address):
        raise RuntimeError(f"Tests must not reach the network (tried {address!r}).")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    socket.socket.connect = _guarded_connect
    yield
    socket.socket.connect = _real_connect


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Bucket files (nexusone.storage) go to a per-test folder, never to the repo's MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in English: a test that activates Arabic or Hebrew
    (a task, a notification) must not leak its language into the next one."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clean_cache():
    from nexusone.localcache import clear_all

    cache.clear()
    clear_all()
    yield
    cache.clear()
    clear_all()


@dataclass
class Tenant:
    workspace: object
    users: dict = field(default_factory=dict)  # role → user

    def client(self, role: str = "owner") -> APIClient:
        client = APIClient()
        client.force_authenticate(self.users[role])
        client.credentials(HTTP_X_WORKSPACE=str(self.workspace.pk))
        return client


@pytest.fixture
def world(db):
    """Workspaces A and B, each with an owner, admin, member and viewer."""
    from accounts.tests.factories import tenant_with_roles

    return {"A": tenant_with_roles("A"), "B": tenant_with_roles("B")}


@pytest.fixture
def api_client():
    return APIClient()
