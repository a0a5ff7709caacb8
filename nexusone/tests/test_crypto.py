"""T22 — encrypted secrets: bound to their workspace, rotatable with the
batch command (interrupted once, resumed, then the old key dropped), never
stored, returned or logged in plaintext."""

from __future__ import annotations

import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from nexusone import crypto
from nexusone.crypto import SealedToken, SecretUnavailable
from nexusone.management.commands import rotate_encryption_keys
from whatsapp.models import WhatsAppAccount
from whatsapp.tests.factories import make_account

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _raw_column(account) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT access_token FROM {WhatsAppAccount._meta.db_table} WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def test_the_column_holds_ciphertext_and_the_attribute_the_secret(world, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    account = make_account(world["A"].workspace, access_token="EAAG-secret-token-9876")
    raw = _raw_column(account)
    assert raw.startswith("gAAAAA") and "secret-token" not in raw
    fresh = WhatsAppAccount.unscoped.get(pk=account.pk)
    assert fresh.access_token == "EAAG-secret-token-9876"
    # querysets never yield plaintext
    assert WhatsAppAccount.unscoped.filter(pk=account.pk).values_list("access_token", flat=True)[0] == raw


def test_a_ciphertext_copied_to_another_workspace_does_not_decrypt(world, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    a_account = make_account(world["A"].workspace, access_token="token-of-workspace-A-1234")
    b_account = make_account(world["B"].workspace, access_token="token-of-workspace-B-5678")
    stolen = _raw_column(a_account)
    WhatsAppAccount.unscoped.filter(pk=b_account.pk).update(access_token=SealedToken(stolen))
    swapped = WhatsAppAccount.unscoped.get(pk=b_account.pk)
    with pytest.raises(SecretUnavailable):
        _ = swapped.access_token
    # and a provider built for B refuses instead of using A's token
    from whatsapp.providers import ProviderFailure, provider_for

    with pytest.raises(ProviderFailure) as failure:
        provider_for(swapped)
    assert failure.value.reason == "token_expired"
    assert WhatsAppAccount.unscoped.get(pk=a_account.pk).access_token == "token-of-workspace-A-1234"


def test_plaintext_cannot_be_written_through_update(world):
    account = make_account(world["A"].workspace, access_token="x" * 20)
    with pytest.raises(ValueError, match="only stores ciphertext"):
        WhatsAppAccount.unscoped.filter(pk=account.pk).update(access_token="plain-text-token")


def test_rotation_new_old_then_new_alone_interrupted_and_resumed(world, settings, monkeypatch):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    workspaces = [world["A"].workspace, world["B"].workspace]
    accounts = [make_account(workspaces[i % 2], access_token=f"secret-number-{i:04d}-abcd") for i in range(25)]
    before = {a.pk: _raw_column(a) for a in accounts}

    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    # Interrupt the first run in its second batch (each batch is one transaction).
    real_rotate = rotate_encryption_keys.rotate_token
    calls = {"n": 0}

    def crashing_rotate(token):
        calls["n"] += 1
        if calls["n"] > 15:
            raise KeyboardInterrupt
        return real_rotate(token)

    monkeypatch.setattr(rotate_encryption_keys, "rotate_token", crashing_rotate)
    with pytest.raises(KeyboardInterrupt):
        call_command("rotate_encryption_keys", batch_size=10, stdout=io.StringIO())
    monkeypatch.setattr(rotate_encryption_keys, "rotate_token", real_rotate)
    halfway = {a.pk: _raw_column(a) for a in accounts}
    done_first = {pk for pk in halfway if halfway[pk] != before[pk]}
    assert len(done_first) == 10  # the first batch committed, the interrupted one rolled back

    out = io.StringIO()
    call_command("rotate_encryption_keys", batch_size=10, stdout=out)
    assert f"rotated {len(accounts) - len(done_first)}, already current {len(done_first)}" in out.getvalue()
    after = {a.pk: _raw_column(a) for a in accounts}
    # the rows rotated by the interrupted run were not rewritten by the resumed one
    assert all(after[pk] == halfway[pk] for pk in done_first)
    # idempotent: a third run changes nothing
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "rotated 0" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key is gone
    for i, account in enumerate(accounts):
        assert WhatsAppAccount.unscoped.get(pk=account.pk).access_token == f"secret-number-{i:04d}-abcd"


def test_undecryptable_values_are_reported_not_destroyed(world, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    account = make_account(world["A"].workspace, access_token="lost-key-token-0000")
    raw = _raw_column(account)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_encryption_keys", stdout=io.StringIO())
    assert _raw_column(account) == raw


def test_production_without_keys_refuses_to_encrypt(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        crypto.seal("x", context="c")
    settings.TESTING = True  # development/test: a key derived from SECRET_KEY
    assert crypto.unseal(crypto.seal("x", context="c"), context="c") == "x"


def test_secrets_never_reach_api_responses_or_logs(world, settings, caplog):
    from whatsapp.tests.conftest import GRAPH, TOKEN, CloudApiDouble

    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    settings.WHATSAPP_GRAPH_URL = GRAPH
    a = world["A"]
    import respx

    caplog.set_level(logging.DEBUG)
    with respx.mock(assert_all_called=False) as router:
        CloudApiDouble(router)
        created = a.client("admin").post(
            "/api/v1/whatsapp/accounts/",
            {"phone_number_id": "106540352242922", "waba_id": "102290129340398", "access_token": TOKEN},
            format="json",
        )
        assert created.status_code == 201, created.content
        listed = a.client("viewer").get("/api/v1/whatsapp/accounts/")
        detail = a.client("viewer").get(f"/api/v1/whatsapp/accounts/{created.json()['id']}/")
    for response in (created, listed, detail):
        body = response.content.decode()
        assert TOKEN not in body and "gAAAAA" not in body and TOKEN[:-4] not in body
    assert detail.json()["access_token_hint"] == "…" + TOKEN[-4:]
    assert "access_token" not in detail.json()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert TOKEN not in logged and "gAAAAA" not in logged
