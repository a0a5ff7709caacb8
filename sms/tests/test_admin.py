"""The staff console renders every SMS model and its cancel action works."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from sms.models import SmsCampaign
from sms.tests.factories import make_campaign, make_message

pytestmark = pytest.mark.django_db


def test_changelists_change_pages_and_cancel(world, settings):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True, personal_workspace=False))
    workspace = world["A"].workspace
    rows = {
        "smscampaign": make_campaign(workspace, status=SmsCampaign.Status.SCHEDULED),
        "smsmessage": make_message(workspace),
    }
    base = f"/{settings.ADMIN_URL}sms"
    for name, row in rows.items():
        assert staff.get(f"{base}/{name}/").status_code == 200, name
        assert staff.get(f"{base}/{name}/{row.pk}/change/").status_code == 200, name
    campaign = rows["smscampaign"]
    staff.post(f"{base}/smscampaign/", {"action": "cancel", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.status == "cancelled"
