"""The real pipeline against local doubles of ElevenLabs and D-ID: voice →
talk → webhook or polling → our stored video, and every way it fails —
always refunding exactly once."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from billing.models import Charge, LedgerEntry
from content.tests.conftest import balance
from content.tests.video_doubles import DID, DID_KEY, ELEVENLABS, ELEVENLABS_KEY, Doubles
from content.video import pipeline
from content.video.models import VideoProject
from content.video.render import RenderRequest, render_video
from content.video.services import video_project_create
from content.video.tasks import video_tick
from medialib.models import MediaAsset
from nexusone import storage
from nexusone.outbound import use_transport
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def result_mp4(tmp_path_factory) -> bytes:
    """What D-ID's result_url serves: a real (small) MP4."""
    path = tmp_path_factory.mktemp("did") / "talk.mp4"
    render_video(RenderRequest(script="Hello there, friends.", language="en", width=160, height=90), str(path))
    return path.read_bytes()


@pytest.fixture
def providers(settings, result_mp4):
    settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = ELEVENLABS_KEY, ELEVENLABS
    settings.DID_API_KEY, settings.DID_BASE_URL = DID_KEY, DID
    settings.VIDEO_RETRY_BASE_SECONDS = 0
    settings.SITE_URL = "https://app.example.com"
    doubles = Doubles(result_mp4=result_mp4)
    with use_transport(doubles.transport()):
        yield doubles


@pytest.fixture
def tenant(world):
    from billing.services import credits_purchase

    a = world["A"]
    credits_purchase(workspace=a.workspace, credits=100, reference="test", idempotency_key="seed")
    return a


def _create(tenant, **fields) -> VideoProject:
    values = {"script": "Welcome to the Rose Café. Fresh coffee every morning.", "language": "en", **fields}
    with workspace_scope(tenant.workspace):
        return video_project_create(workspace=tenant.workspace, user=tenant.users["member"], **values)


def _run(project) -> str:
    with workspace_scope(project.workspace):
        return pipeline.run(project.pk)


def _check(project) -> str:
    with workspace_scope(project.workspace):
        return pipeline.check_talk(project.pk)


def _reload(project) -> VideoProject:
    return VideoProject.unscoped.get(pk=project.pk)


def _charge(project) -> Charge:
    return Charge.unscoped.get(pk=_reload(project).charge_id)


def _refunds(project) -> int:
    return LedgerEntry.unscoped.filter(kind="refund", reverses_id=_charge(project).debit_id).count()


def _webhook(project, token=None, body=None):
    return Client().post(
        f"/webhooks/d-id/{token or project.webhook_token}",
        data=body or {"id": project.talk_id, "status": "done"},
        content_type="application/json",
    )


def test_voice_then_talk_then_webhook_stores_our_own_video(tenant, providers, django_capture_on_commit_callbacks):
    start = balance(tenant.workspace)
    project = _create(tenant, title="Launch")
    assert _run(project) == "talk_started"
    project = _reload(project)
    assert (project.status, project.stage, project.provider, project.voice_model) == (
        "processing",
        "avatar",
        "d-id",
        "eleven_multilingual_v2",
    )

    tts = providers.calls("POST", r"/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM")
    assert len(tts) == 1 and tts[0].url.params["output_format"] == "mp3_44100_128"
    voice = project.voice_asset
    assert (voice.bucket, voice.source, voice.kind) == ("ai-generated", "voice_track", "audio")
    assert voice.expires_at is not None and storage.read_bytes(voice).startswith(b"ID3")

    talk_body = __import__("json").loads(providers.calls("POST", r"/talks$")[0].content)
    assert talk_body["script"]["type"] == "audio"
    assert talk_body["script"]["audio_url"].startswith(f"https://app.example.com/files/ai-generated/{voice.key}?")
    assert talk_body["source_url"].startswith("https://app.example.com/media/avatars/platform/presenters/")
    assert talk_body["webhook"] == f"https://app.example.com/webhooks/d-id/{project.webhook_token}"
    # the provider can fetch the private voice track through the signed link
    signed = talk_body["script"]["audio_url"].removeprefix("https://app.example.com")
    assert Client().get(signed).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        assert _webhook(project).status_code == 200  # GET /talks → started: nothing changes yet
    assert _reload(project).status == "processing" and _reload(project).video_asset is None
    with django_capture_on_commit_callbacks(execute=True):
        assert _webhook(project).status_code == 200  # → done
    project = _reload(project)
    assert project.status == "completed" and project.progress == 100
    video = project.video_asset
    assert (video.bucket, video.content_type, project.thumbnail_asset.content_type) == (
        "video-assets",
        "video/mp4",
        "image/jpeg",
    )
    assert storage.read_bytes(video) == providers.result_mp4  # ours, not the provider's expiring link
    assert project.duration_seconds == pytest.approx(4.2)
    assert _charge(project).status == "committed" and balance(tenant.workspace) == start - 25

    # a duplicate delivery re-reads the finished talk and changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert _webhook(project).status_code == 200
    assert MediaAsset.unscoped.filter(source="video").count() == 1
    assert balance(tenant.workspace) == start - 25
    body = tenant.client().get(f"/api/v1/video-projects/{project.pk}").json()
    assert body["video_url"].startswith("http://testserver/media/video-assets/") and body["error"] is None


def test_hebrew_speaks_through_eleven_v3_with_its_language_code(tenant, providers):
    project = _create(tenant, script="שלום לכולם, קפה טרי בכל בוקר.", language="he")
    _run(project)
    body = __import__("json").loads(providers.calls("POST", r"/v1/text-to-speech/")[0].content)
    assert (body["model_id"], body["language_code"]) == ("eleven_v3", "he")
    arabic = _create(tenant, script="مرحباً بكم في متجرنا.", language="ar")
    _run(arabic)
    body = __import__("json").loads(providers.calls("POST", r"/v1/text-to-speech/")[1].content)
    assert body["model_id"] == "eleven_multilingual_v2" and "language_code" not in body


def test_a_429_is_retried_and_then_succeeds(tenant, providers):
    providers.tts_answers.append(
        (429, {"retry-after": "0"}, {"detail": {"status": "too_many_concurrent_requests", "message": "Busy"}})
    )
    project = _create(tenant)
    assert _run(project) == "talk_started"
    assert len(providers.calls("POST", r"/v1/text-to-speech/")) == 2
    assert _reload(project).voice_asset is not None


def test_a_402_from_elevenlabs_fails_the_job_and_refunds_once(tenant, providers):
    start = balance(tenant.workspace)
    providers.tts_answers.append(
        (402, {}, {"detail": {"status": "payment_required", "message": "Your subscription has no characters left."}})
    )
    project = _create(tenant)
    assert _run(project) == "failed"
    project = _reload(project)
    assert (project.status, project.error_code) == ("failed", "provider_quota_exceeded")
    assert "no characters left" in project.metadata["error"]["description"]
    assert providers.calls("POST", r"/talks") == []
    assert _refunds(project) == 1 and balance(tenant.workspace) == start
    assert _run(project) == "busy_or_finished" and _refunds(project) == 1
    error = tenant.client().get(f"/api/v1/video-projects/{project.pk}").json()["error"]
    assert error["code"] == "provider_quota_exceeded" and error["message"]


def test_a_talk_in_error_fails_the_job_and_refunds_the_25_credits_once(
    tenant, providers, django_capture_on_commit_callbacks
):
    start = balance(tenant.workspace)
    providers.talk_statuses = deque(["error"])
    providers.talk_error = {"kind": "FaceError", "description": "Face not detected in the source image"}
    project = _create(tenant)
    _run(project)
    assert balance(tenant.workspace) == start - 25
    for _delivery in range(3):  # the webhook, a duplicate, and the beat's poll
        with django_capture_on_commit_callbacks(execute=True):
            _webhook(project)
    _check(project)
    project = _reload(project)
    assert (project.status, project.error_code) == ("failed", "provider_failed")
    assert "Face not detected" in project.metadata["error"]["description"]
    assert _refunds(project) == 1 and balance(tenant.workspace) == start
    assert _charge(project).status == "refunded"


def test_a_moderation_refusal_and_an_auth_failure_are_named(tenant, providers):
    providers.create_answers.append((451, {"kind": "ContentModerationError", "description": "Inappropriate content"}))
    project = _create(tenant)
    _run(project)
    assert _reload(project).error_code == "content_rejected"
    providers.create_answers.append((401, {"kind": "AuthorizationError", "description": "user unauthenticated"}))
    other = _create(tenant, script="Another script for you.")
    _run(other)
    assert _reload(other).error_code == "provider_auth_failed"


def test_a_webhook_with_a_wrong_token_is_404_and_changes_nothing(tenant, providers):
    project = _create(tenant)
    _run(project)
    before = _reload(project)
    assert _webhook(project, token="x" * 43).status_code == 404
    assert _webhook(project, token="short").status_code == 404
    assert Client().get(f"/webhooks/d-id/{project.webhook_token}").status_code == 405
    after = _reload(project)
    assert (after.status, after.progress, after.updated_at) == (before.status, before.progress, before.updated_at)
    assert providers.calls("GET", r"/talks/") == []


def test_polling_by_beat_finishes_a_talk_without_any_webhook(tenant, providers):
    project = _create(tenant)
    _run(project)
    assert video_tick() == {"polled": 0, "resumed": 0, "reaped": 0}  # not due yet: first poll after 15 s
    with time_machine.travel(timezone.now() + timedelta(seconds=16)):
        assert video_tick()["polled"] == 1  # (eager) GET /talks → started; the next poll backs off
        project = _reload(project)
        assert project.status == "processing" and project.polls == 1
        assert project.next_poll_at > timezone.now() + timedelta(seconds=10)
    with time_machine.travel(timezone.now() + timedelta(seconds=60)):
        video_tick()
    assert _reload(project).status == "completed"
    assert len(providers.calls("GET", r"/talks/")) == 2


def test_a_job_past_its_deadline_is_failed_and_refunded_once(tenant, providers, settings):
    start = balance(tenant.workspace)
    providers.talk_statuses = deque(["started"])  # D-ID never finishes
    project = _create(tenant)
    _run(project)
    later = timezone.now() + timedelta(seconds=settings.VIDEO_DEADLINE_SECONDS + 1)
    with time_machine.travel(later):
        assert video_tick()["reaped"] == 1
        assert video_tick()["reaped"] == 0
    project = _reload(project)
    assert (project.status, project.error_code) == ("failed", "deadline_exceeded")
    assert _refunds(project) == 1 and balance(tenant.workspace) == start
    _check(project)  # a late poll or webhook changes nothing
    assert _reload(project).status == "failed" and _refunds(project) == 1


def test_a_lost_start_is_resumed_by_the_tick(tenant, providers, settings):
    project = _create(tenant)  # the enqueue after commit never ran (broker down)
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.VIDEO_STALL_SECONDS + 5)):
        assert video_tick()["resumed"] == 1
    assert _reload(project).talk_id


def test_voices_come_from_elevenlabs_and_are_cached(tenant, providers):
    client = tenant.client("viewer")
    first = client.get("/api/v1/video-projects/voices?language=ar").json()
    second = client.get("/api/v1/video-projects/voices?language=ar").json()
    assert first == second and providers.counts["voices"] == 1
    assert first["provider"] == "elevenlabs" and first["voices"][0]["name"] == "Adam"  # verified for Arabic first
    assert client.get("/api/v1/video-projects/voices?language=xx").status_code == 400


def test_a_workspaces_own_keys_from_the_vault_serve_its_videos(
    tenant, settings, result_mp4, django_capture_on_commit_callbacks
):
    """No platform keys: the workspace's own ElevenLabs and D-ID connections
    (the integrations vault) carry the whole pipeline to a stored video."""
    from integrations.tests.factories import make_connection

    settings.ELEVENLABS_API_KEY = settings.DID_API_KEY = ""
    settings.ELEVENLABS_BASE_URL, settings.DID_BASE_URL = ELEVENLABS, DID
    settings.VIDEO_RETRY_BASE_SECONDS = 0
    settings.SITE_URL = "https://app.example.com"
    make_connection(tenant.workspace, "elevenlabs", api_key=ELEVENLABS_KEY, assets={})
    make_connection(tenant.workspace, "did", api_key=DID_KEY, assets={})
    doubles = Doubles(result_mp4=result_mp4)
    with use_transport(doubles.transport()):
        project = _create(tenant)
        assert _run(project) == "talk_started"
        for _ in range(2):  # the double answers "started" first, then "done"
            with django_capture_on_commit_callbacks(execute=True):
                assert _webhook(_reload(project)).status_code == 200
    project = _reload(project)
    assert (project.status, project.provider) == ("completed", "d-id")
    assert doubles.calls("POST", r"/v1/text-to-speech/")[0].headers["xi-api-key"] == ELEVENLABS_KEY
    assert doubles.calls("POST", r"/talks$")[0].headers["authorization"] == f"Basic {DID_KEY}"
