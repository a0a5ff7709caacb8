"""Opens, clicks and unsubscribes: signed tokens, only the e-mail's own links,
once per event, counted in the report and written to the contact's timeline."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from crm.models import Activity, Contact
from emails.models import Campaign, EmailMessage, Suppression
from emails.tests.conftest import html_part, links_in, local_path
from emails.tracking import token_make

pytestmark = pytest.mark.django_db


def _lucia(shop, smtp):
    received = smtp.to("lucia@clientes.example")[0]
    html = html_part(received)
    return received, html


def test_the_pixel_counts_one_unique_open_and_tells_the_crm(
    shop, smtp, send_campaign, django_capture_on_commit_callbacks
):
    campaign = send_campaign(shop)
    _received, html = _lucia(shop, smtp)
    pixel = re.search(r'<img src="(https://app\.nexusone\.test/e/o/[^"]+)"', html).group(1)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(local_path(pixel))
        again = client.get(local_path(pixel))
    assert first.status_code == again.status_code == 200
    assert first["Content-Type"] == "image/gif" and "no-store" in first["Cache-Control"]
    campaign.refresh_from_db()
    assert campaign.count_opened == 1
    message = EmailMessage.unscoped.get(campaign=campaign, to_email="lucia@clientes.example")
    assert message.opened_at is not None
    lucia = Contact.unscoped.get(email="lucia@clientes.example")
    opened = Activity.unscoped.filter(contact=lucia, type="email", payload__event="opened")
    # the subject as Lucía read it, not the template
    assert opened.count() == 1 and opened.get().payload["subject"] == f"Hola {lucia.first_name}"


def test_a_click_redirects_only_to_a_link_of_that_email(shop, smtp, send_campaign, django_capture_on_commit_callbacks):
    campaign = send_campaign(shop)
    _received, html = _lucia(shop, smtp)
    clicks = [url for url in links_in(html) if "/e/c/" in url]
    assert len(clicks) == 2  # the button and the link in the text; the footer's unsubscribe is not a click
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(local_path(clicks[0]) + "?url=https://evil.example/&next=https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "https://shop.example/otono"
    campaign.refresh_from_db()
    assert campaign.count_clicked == 1 and campaign.count_opened == 1  # a click implies an open
    lucia = Contact.unscoped.get(email="lucia@clientes.example")
    click = Activity.unscoped.get(contact=lucia, type="email", payload__event="clicked")
    assert click.payload["url"] == "https://shop.example/otono"

    message = EmailMessage.unscoped.get(campaign=campaign, to_email="lucia@clientes.example")
    forged = [
        "/e/c/" + clicks[0].rsplit("/", 1)[1][:-2] + "xx",  # a broken signature
        "/e/c/" + token_make(purpose="click", message_id=message.pk, index=9),  # no such link in the e-mail
        "/e/c/" + token_make(purpose="open", message_id=message.pk, index=0),  # a token made for another purpose
        "/e/c/https%3A%2F%2Fevil.example%2F",
    ]
    for path in forged:
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "evil.example" not in answer.get("Location", "")


def test_one_click_unsubscribe_per_rfc_8058(shop, smtp, send_campaign, django_capture_on_commit_callbacks):
    campaign = send_campaign(shop)
    received, _html = _lucia(shop, smtp)
    url = received.message["List-Unsubscribe"].strip("<>")
    client = Client(enforce_csrf_checks=True)

    page = client.get(local_path(url))  # a link scanner following the GET changes nothing
    assert page.status_code == 200 and b'<form method="post">' in page.content
    assert not Suppression.unscoped.filter(email="lucia@clientes.example").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            local_path(url), data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 200 and not response.cookies and "Location" not in response
    suppression = Suppression.unscoped.get(workspace=shop.workspace, email="lucia@clientes.example")
    assert suppression.reason == "unsubscribed" and suppression.campaign_id == campaign.pk
    lucia = Contact.unscoped.get(email="lucia@clientes.example")
    assert lucia.email_opt_in is False
    assert Activity.unscoped.filter(contact=lucia, payload__event="unsubscribed").count() == 1
    campaign.refresh_from_db()
    assert campaign.count_unsubscribed == 1
    # again: nothing changes
    client.post(local_path(url), data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert Campaign.unscoped.get(pk=campaign.pk).count_unsubscribed == 1

    # the next campaign leaves her out, even if her consent is given back by mistake
    Contact.unscoped.filter(pk=lucia.pk).update(email_opt_in=True)
    smtp.per_recipient.clear()
    send_campaign(shop, name="Invierno")
    assert "lucia@clientes.example" not in smtp.per_recipient
    assert sorted(smtp.per_recipient) == ["mateo@clientes.example", "sofia@clientes.example"]


def test_the_footer_link_page_is_in_the_campaigns_language(shop, smtp, send_campaign):
    send_campaign(shop, language="ar")
    _received, html = _lucia(shop, smtp)
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    unsubscribe = next(url for url in links_in(html) if "/e/u/" in url)
    page = Client().get(local_path(unsubscribe))
    assert page.status_code == 200
    assert 'dir="rtl"' in page.content.decode() and "إلغاء" in page.content.decode()
