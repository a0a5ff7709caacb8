"""The staff console for videos: provider ids and errors on show, and the
retry and refund actions going through the services (refunds stay single)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from billing.models import Charge, LedgerEntry
from content.tests.conftest import balance
from content.video.models import VideoProject
from content.video.services import video_project_create, video_project_fail
from medialib.tests.factories import make_asset
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True, personal_workspace=False))
    return client


@pytest.fixture
def failed(world, settings):
    settings.DID_API_KEY = settings.ELEVENLABS_API_KEY = ""
    a = world["A"]
    with workspace_scope(a.workspace):
        project = video_project_create(
            workspace=a.workspace, user=a.users["member"], script="Hello there", language="en"
        )
        VideoProject.objects.filter(pk=project.pk).update(talk_id="tlk_42xyz")
        video_project_fail(project=project, code="provider_failed", message="Face not detected")
    return VideoProject.unscoped.get(pk=project.pk)


def _refunds(charge_id) -> int:
    debit = Charge.unscoped.get(pk=charge_id).debit_id
    return LedgerEntry.unscoped.filter(kind="refund", reverses_id=debit).count()


def test_the_console_shows_provider_ids_and_errors(staff, failed, settings):
    base = f"/{settings.ADMIN_URL}content/videoproject/"
    listing = staff.get(base).content.decode()
    assert "tlk_42xyz" in listing and "provider_failed" in listing
    assert staff.get(f"{base}{failed.pk}/change/").status_code == 200
    make_asset(failed.workspace)
    assert staff.get(f"/{settings.ADMIN_URL}medialib/mediaasset/").status_code == 200


def test_refund_of_a_refunded_video_changes_nothing_and_retry_charges_again(staff, failed, settings):
    base = f"/{settings.ADMIN_URL}content/videoproject/"
    workspace = failed.workspace
    start = balance(workspace)
    staff.post(base, {"action": "refund_videos", "_selected_action": [failed.pk]})
    assert balance(workspace) == start and _refunds(failed.charge_id) == 1

    staff.post(base, {"action": "retry_videos", "_selected_action": [failed.pk]})
    retried = VideoProject.unscoped.get(pk=failed.pk)
    assert retried.status == "queued" and retried.attempts == 1 and retried.charge_id != failed.charge_id
    assert balance(workspace) == start - 25

    staff.post(base, {"action": "refund_videos", "_selected_action": [failed.pk]})
    staff.post(base, {"action": "refund_videos", "_selected_action": [failed.pk]})
    assert balance(workspace) == start and _refunds(retried.charge_id) == 1
    assert VideoProject.unscoped.get(pk=failed.pk).status == "failed"


def test_a_member_cannot_use_the_console(world, failed, settings):
    client = Client()
    client.force_login(world["A"].users["owner"])
    response = client.post(
        f"/{settings.ADMIN_URL}content/videoproject/", {"action": "refund_videos", "_selected_action": [failed.pk]}
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
