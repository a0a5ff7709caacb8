"""The staff console renders every WhatsApp model, never shows a token, and its actions work."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from whatsapp.models import Broadcast
from whatsapp.tests.conftest import TOKEN
from whatsapp.tests.factories import (
    make_account,
    make_bot_rule,
    make_broadcast,
    make_conversation,
    make_optout,
    make_template,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = UserFactory(is_staff=True, is_superuser=True, personal_workspace=False)
    client = Client()
    client.force_login(user)
    return client


def test_changelists_and_change_pages_render(world, staff, settings):
    workspace = world["A"].workspace
    account = make_account(workspace, access_token=TOKEN)
    rows = {
        "whatsappaccount": account,
        "messagetemplate": make_template(workspace, account=account),
        "broadcast": make_broadcast(workspace, account=account),
        "conversation": make_conversation(workspace, account=account),
        "botrule": make_bot_rule(workspace, account=account),
        "optout": make_optout(workspace),
    }
    base = f"/{settings.ADMIN_URL}whatsapp"
    for name, row in rows.items():
        listing = staff.get(f"{base}/{name}/")
        assert listing.status_code == 200, name
        change = staff.get(f"{base}/{name}/{row.pk}/change/")
        assert change.status_code == 200, name
        for response in (listing, change):
            body = response.content.decode()
            assert TOKEN not in body and "gAAAAA" not in body, name
    for name in ("message", "webhookevent"):
        assert staff.get(f"{base}/{name}/").status_code == 200, name


def test_cancel_action(world, staff, settings):
    broadcast = make_broadcast(world["A"].workspace, status=Broadcast.Status.SCHEDULED)
    response = staff.post(
        f"/{settings.ADMIN_URL}whatsapp/broadcast/", {"action": "cancel", "_selected_action": [broadcast.pk]}
    )
    assert response.status_code == 302
    assert Broadcast.unscoped.get(pk=broadcast.pk).status == Broadcast.Status.CANCELLED
