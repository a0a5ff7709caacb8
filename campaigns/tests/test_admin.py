"""The staff console for ad campaigns: every model's list and detail page
renders read-only for staff (with rows from two workspaces)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from campaigns.models import AdVariant
from campaigns.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True, personal_workspace=False))
    return client


def test_every_campaigns_admin_page_renders_read_only(world, staff, settings):
    rows = []
    for tenant in ("A", "B"):
        workspace = world[tenant].workspace
        campaign = f.make_campaign(workspace, variants=2, status="active", provider="offline")
        variant = AdVariant.unscoped.filter(campaign=campaign).order_by("position").first()
        rows += [
            campaign,
            variant,
            f.make_insight(workspace, variant=variant),
            f.make_insight_run(workspace, campaign=campaign, status="failed", error="Report Failed"),
            f.make_graph_event(workspace),
            f.make_post(workspace),
            f.make_generation(workspace),
            f.make_refresh_report(workspace, campaign=campaign),
        ]
    for row in rows:
        base = f"/{settings.ADMIN_URL}campaigns/{row._meta.model_name}/"
        assert staff.get(base).status_code == 200, base
        assert staff.get(f"{base}{row.pk}/change/").status_code == 200, (base, row.pk)
        assert staff.get(f"{base}add/").status_code == 403, base
    assert "Report Failed" in staff.get(f"/{settings.ADMIN_URL}campaigns/insightrun/").content.decode()
