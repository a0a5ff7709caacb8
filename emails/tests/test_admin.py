"""The staff console renders every e-mail model and its actions work."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from emails.models import Campaign
from emails.tests.factories import make_campaign, make_event, make_message, make_sender, make_suppression

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = UserFactory(is_staff=True, is_superuser=True, personal_workspace=False)
    client = Client()
    client.force_login(user)
    return client


def test_changelists_and_change_pages_render(world, staff, settings):
    workspace = world["A"].workspace
    rows = {
        "sender": make_sender(workspace),
        "campaign": make_campaign(workspace),
        "emailmessage": make_message(workspace),
        "emailevent": make_event(workspace),
        "suppression": make_suppression(workspace),
    }
    base = f"/{settings.ADMIN_URL}emails"
    for name, row in rows.items():
        assert staff.get(f"{base}/{name}/").status_code == 200, name
        assert staff.get(f"{base}/{name}/{row.pk}/change/").status_code == 200, name


def test_staff_can_cancel_a_scheduled_campaign(world, staff, settings):
    campaign = make_campaign(world["A"].workspace, status=Campaign.Status.SCHEDULED)
    response = staff.post(
        f"/{settings.ADMIN_URL}emails/campaign/",
        {"action": "cancel", "_selected_action": [campaign.pk]},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "cancelled"
