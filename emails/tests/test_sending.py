"""Campaigns through the API to a real SMTP server: who gets what, the
headers, once per recipient, credits, hard and soft refusals."""

from __future__ import annotations

import re

import pytest

from emails.models import Campaign, EmailMessage, Suppression
from emails.tests.conftest import balance

pytestmark = pytest.mark.django_db


def _create(client, shop, **extra):
    payload = {
        "name": "Otoño",
        "subject": "Hola {{first_name}}, llegó el otoño",
        "preheader": "Nuevos colores",
        "sender_id": shop.sender.pk,
        "audience": {"segment_id": shop.segment.pk},
        "language": "es",
        "body": [
            {"type": "heading", "text": "Hola {{first_name|amigo}}"},
            {"type": "text", "text": "Nuestra colección de otoño ya está aquí."},
            {"type": "button", "text": "Ver la colección", "url": "https://shop.example/otono"},
        ],
        **extra,
    }
    response = client.post("/api/v1/email/campaigns/", payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_campaign_reaches_consenting_contacts_once_with_one_click_unsubscribe(
    shop, smtp, django_capture_on_commit_callbacks
):
    client = shop.tenant.client("member")
    created = _create(client, shop)
    assert created["estimate"] == {"recipients": 3, "credits": 1}
    before = balance(shop.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/email/campaigns/{created['id']}/send")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "sending"

    # every consenting contact exactly once, nobody else
    assert sorted(smtp.per_recipient) == ["lucia@clientes.example", "mateo@clientes.example", "sofia@clientes.example"]
    assert set(smtp.per_recipient.values()) == {1}
    assert smtp.sessions == 1  # one chunk (EMAIL_BATCH_SIZE 3) → one SMTP connection, not one per message
    received = smtp.to("lucia@clientes.example")[0].message
    assert received["Subject"] == "Hola Lucia, llegó el otoño"
    assert received["From"] == "Tienda Ejemplo <hola@shop.example>"
    unsubscribe = received["List-Unsubscribe"]
    assert re.fullmatch(r"<https://app\.nexusone\.test/e/u/[^>]+>", unsubscribe)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = next(p for p in received.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    text = next(p for p in received.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert 'lang="es"' in html and 'dir="ltr"' in html
    assert "Hola Lucia" in html and "Calle Mayor 1" in html and "Calle Mayor 1" in text
    assert "https://shop.example/otono" not in html  # the link is tracked…
    assert re.search(r'href="https://app\.nexusone\.test/e/c/[^"]+"', html)  # …through a signed redirect
    assert unsubscribe[1:-1] in html and unsubscribe[1:-1] in text

    campaign = Campaign.objects.get(pk=created["id"]) if False else Campaign.unscoped.get(pk=created["id"])
    assert campaign.status == "sent" and campaign.count_sent == 3
    assert balance(shop.workspace) == before - 1  # 3 recipients → 1 credit
    assert set(EmailMessage.unscoped.filter(campaign=campaign).values_list("status", flat=True)) == {"sent"}
    assert all(m.message_id and m.provider_message_id for m in EmailMessage.unscoped.filter(campaign=campaign))


def test_sending_twice_is_refused_and_charges_once(shop, smtp, django_capture_on_commit_callbacks):
    client = shop.tenant.client("member")
    created = _create(client, shop)
    before = balance(shop.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/email/campaigns/{created['id']}/send").status_code == 202
    second = client.post(f"/api/v1/email/campaigns/{created['id']}/send")
    assert second.status_code == 409 and second.json()["error"]["code"] == "campaign_already_sent"
    assert balance(shop.workspace) == before - 1
    assert smtp.count == 3


def test_suppressed_and_unsubscribed_addresses_get_nothing(shop, smtp, django_capture_on_commit_callbacks):
    Suppression.unscoped.create(workspace=shop.workspace, email="mateo@clientes.example", reason="bounced")
    client = shop.tenant.client("member")
    created = _create(client, shop)
    assert created["estimate"]["recipients"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/email/campaigns/{created['id']}/send")
    assert sorted(smtp.per_recipient) == ["lucia@clientes.example", "sofia@clientes.example"]


def test_a_permanent_refusal_is_a_hard_bounce_and_a_temporary_one_is_retried(
    shop, smtp, django_capture_on_commit_callbacks
):
    smtp.refuse["mateo@clientes.example"] = "550 5.1.1 <mateo@clientes.example>: Recipient address rejected"
    smtp.refuse["sofia@clientes.example"] = "451 4.7.1 Greylisted, try again later"
    client = shop.tenant.client("member")
    created = _create(client, shop)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/email/campaigns/{created['id']}/send")
    messages = {m.to_email: m for m in EmailMessage.unscoped.filter(campaign_id=created["id"])}
    bounced = messages["mateo@clientes.example"]
    assert bounced.status == "failed" and bounced.bounced_at and bounced.error["code"] == 550
    assert Suppression.unscoped.filter(
        workspace=shop.workspace, email="mateo@clientes.example", reason="bounced"
    ).exists()
    retried = messages["sofia@clientes.example"]
    assert retried.status == "queued" and retried.next_attempt_at and retried.error["code"] == 451
    campaign = Campaign.unscoped.get(pk=created["id"])
    assert campaign.status == "sending" and campaign.count_bounced == 1

    # the greylisting ends; the relay picks the message up once it is due
    del smtp.refuse["sofia@clientes.example"]
    EmailMessage.unscoped.filter(pk=retried.pk).update(next_attempt_at=None)
    Campaign.unscoped.filter(pk=campaign.pk).update(last_progress_at=None)
    from emails.tasks import emails_tick

    with django_capture_on_commit_callbacks(execute=True):
        Campaign.unscoped.filter(pk=campaign.pk).update(last_progress_at="2000-01-01T00:00:00Z")
        emails_tick.apply()
    assert smtp.per_recipient["sofia@clientes.example"] == 1
    campaign.refresh_from_db()
    assert campaign.status == "sent" and campaign.count_sent == 2 and campaign.count_failed == 1
