"""Senders: the DNS records to publish, verification by DNS lookup against a
local DNS server, pre-verified domains, and DKIM signatures that cover the
unsubscribe headers."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emails.dns import dkim_public_key
from emails.tests.dns_double import DnsDouble

pytestmark = pytest.mark.django_db


@pytest.fixture
def dkim_key(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.DKIM_PRIVATE_KEY = pem
    settings.DKIM_SELECTOR = "nx2026"
    settings.EMAIL_SPF_INCLUDE = "spf.nexusone.test"
    return pem


def _records(pem: str, domain: str = "brand.example") -> dict:
    return {
        domain: ["google-site-verification=abc", "v=spf1 include:spf.nexusone.test include:_spf.google.com ~all"],
        f"nx2026._domainkey.{domain}": [f"v=DKIM1; k=rsa; p={dkim_public_key(pem)}"],
        f"_dmarc.{domain}": ["v=DMARC1; p=quarantine; rua=mailto:d@brand.example"],
    }


def test_a_sender_shows_its_records_and_verifies_by_dns(world, settings, dkim_key):
    client = world["A"].client("admin")
    created = client.post("/api/v1/email/senders/", {"email": "Hola@Brand.Example", "name": "Brand"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["email"], body["domain"], body["verified"]) == ("hola@brand.example", "brand.example", False)
    records = {r["kind"]: r for r in body["dns_records"]}
    assert records["spf"] == {"kind": "spf", "type": "TXT", "host": "brand.example",
                              "value": "v=spf1 include:spf.nexusone.test ~all", "status": "unchecked"}  # fmt: skip
    assert records["dkim"]["host"] == "nx2026._domainkey.brand.example"
    assert records["dkim"]["value"] == f"v=DKIM1; k=rsa; p={dkim_public_key(dkim_key)}"
    assert records["dmarc"]["host"] == "_dmarc.brand.example"

    server = DnsDouble({}).start()
    settings.EMAIL_DNS_NAMESERVERS = [f"127.0.0.1:{server.port}"]
    try:
        missing = client.post(f"/api/v1/email/senders/{body['id']}/verify").json()
        assert missing["verified"] is False
        assert {r["kind"]: r["status"] for r in missing["dns_records"]} == {
            "spf": "missing",
            "dkim": "missing",
            "dmarc": "missing",
        }
        server.records.update(_records(dkim_key))
        server.records["nx2026._domainkey.brand.example"] = ["v=DKIM1; k=rsa; p=SOMEONEELSESKEY"]
        wrong = client.post(f"/api/v1/email/senders/{body['id']}/verify").json()
        assert {r["kind"]: r["status"] for r in wrong["dns_records"]}["dkim"] == "mismatch"
        server.records.update(_records(dkim_key))
        verified = client.post(f"/api/v1/email/senders/{body['id']}/verify").json()
        assert verified["verified"] is True and verified["verified_at"]
        assert "nx2026._domainkey.brand.example" in server.questions
    finally:
        server.stop()


def test_listed_domains_count_as_verified_without_a_lookup(world, settings):
    settings.EMAIL_VERIFIED_DOMAINS = ["nexusone.local"]
    settings.EMAIL_DNS_NAMESERVERS = ["127.0.0.1:9"]  # nothing listens: a lookup would fail
    client = world["A"].client("admin")
    body = client.post("/api/v1/email/senders/", {"email": "news@nexusone.local"}, format="json").json()
    assert body["verified"] is True
    assert client.post(f"/api/v1/email/senders/{body['id']}/verify").json()["verified"] is True


def test_only_admins_add_senders_and_duplicates_are_409(world):
    member = world["A"].client("member")
    assert member.post("/api/v1/email/senders/", {"email": "a@brand.example"}, format="json").status_code == 403
    admin = world["A"].client("admin")
    assert admin.post("/api/v1/email/senders/", {"email": "a@brand.example"}, format="json").status_code == 201
    again = admin.post("/api/v1/email/senders/", {"email": "A@brand.example"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_sender"
    assert admin.post("/api/v1/email/senders/", {"email": "not-an-address"}, format="json").status_code == 400


def test_smtp_messages_are_dkim_signed_over_the_unsubscribe_headers(shop, smtp, send_campaign, dkim_key):
    import dkim

    send_campaign(shop)
    received = smtp.to("lucia@clientes.example")[0]
    signature = received.message["DKIM-Signature"]
    tags = dict(part.strip().split("=", 1) for part in signature.replace("\r\n", "").split(";") if "=" in part)
    assert tags["d"] == "shop.example" and tags["s"] == "nx2026"
    signed = [h.strip().lower() for h in tags["h"].split(":")]
    assert {"from", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= set(signed)
    public = f"v=DKIM1; k=rsa; p={dkim_public_key(dkim_key)}".encode()
    assert dkim.verify(received.data, dnsfunc=lambda name, timeout=5: public)
    tampered = received.data.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: nope"
    )
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: public)
