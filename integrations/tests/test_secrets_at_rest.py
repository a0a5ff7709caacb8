"""T22 for the vault: secrets are ciphertext in the database (a real
pg_dump holds no plaintext), bound to their workspace (a ciphertext copied
into another workspace's row does not decrypt there), and a disconnect
leaves no trace of either."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.db import connection as db

from integrations import services
from integrations.models import Connection, Kind
from integrations.providers.base import Verified
from integrations.vault import credentials_for
from nexusone.crypto import SecretUnavailable
from nexusone.tenancy import workspace_scope

KEYS = {"A": "sk-a-plaintext-secret-AAAA1111", "B": "sk-b-plaintext-secret-BBBB2222"}


def _dump() -> str:
    settings = db.settings_dict
    host, user = settings["HOST"] or "127.0.0.1", settings["USER"] or "postgres"
    tables = ["-t", "integrations_connection", "-t", "nexusone_auditentry"]
    command = ["pg_dump", "-h", host, "-U", user, "--data-only", *tables, settings["NAME"]]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _connect(tenant, key):
    with workspace_scope(tenant.workspace):
        return services.connection_save(
            workspace=tenant.workspace,
            provider="openai",
            kind=Kind.API_KEY,
            verified=Verified(),
            api_key=key,
            user=tenant.users["owner"],
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump")
def test_a_database_dump_holds_ciphertext_only_and_nothing_after_disconnect(world):
    if db.vendor != "postgresql":
        pytest.skip("dump test runs on PostgreSQL")
    connections = {label: _connect(world[label], key) for label, key in KEYS.items()}
    dump = _dump()
    ciphertexts = {
        label: Connection.unscoped.values_list("api_key", flat=True).get(pk=c.pk) for label, c in connections.items()
    }
    for label, key in KEYS.items():
        assert key not in dump
        assert ciphertexts[label] in dump
    with workspace_scope(world["A"].workspace):
        services.connection_disconnect(connection=Connection.objects.get(), user=world["A"].users["owner"])
    dump = _dump()
    assert ciphertexts["A"] not in dump and KEYS["A"] not in dump
    assert ciphertexts["B"] in dump


@pytest.mark.django_db
def test_a_ciphertext_copied_to_another_workspaces_row_does_not_decrypt(world, settings):
    settings.OPENAI_API_KEY = ""
    a, b = world["A"], world["B"]
    _connect(a, KEYS["A"])
    row_b = _connect(b, KEYS["B"])
    stolen = Connection.unscoped.values_list("api_key", flat=True).get(workspace=a.workspace)
    Connection.unscoped.filter(pk=row_b.pk).update(api_key=stolen)
    copied = Connection.unscoped.get(pk=row_b.pk)
    with pytest.raises(SecretUnavailable):
        _ = copied.api_key
    # The vault refuses it too: B gets no credentials (and the row is flagged), never A's key.
    assert credentials_for(workspace=b.workspace, provider="openai") is None
    assert Connection.unscoped.get(pk=row_b.pk).status == "error"
    assert credentials_for(workspace=a.workspace, provider="openai").secret == KEYS["A"]
