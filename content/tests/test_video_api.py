"""Video projects through the API with no provider keys: the offline renderer
makes a real MP4, 25 credits are committed, quota and credits are checked
first, cancel and delete refund and remove."""

from __future__ import annotations

import io
from datetime import timedelta

import av
import pytest
from django.test import Client
from django.utils import timezone

from billing.models import Charge, LedgerEntry, Plan
from billing.services import plan_change
from content.tests.conftest import balance
from content.tests.factories import make_video_project
from content.video.models import VideoProject
from medialib.tests.factories import make_asset, png_bytes
from nexusone import storage

pytestmark = pytest.mark.django_db

URL = "/api/v1/video-projects/"
ARABIC = "مرحباً بكم في متجرنا! قهوة طازجة كل صباح."


@pytest.fixture(autouse=True)
def _offline(settings):
    settings.ELEVENLABS_API_KEY = settings.DID_API_KEY = ""


def _post(client, key="k1", **body):
    payload = {"script": ARABIC, "language": "ar", "style": "energetic", "title": "افتتاح", **body}
    return client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _fetch(url: str) -> bytes:
    response = Client().get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def test_an_arabic_script_becomes_a_playable_mp4_and_costs_25_credits(world, django_capture_on_commit_callbacks):
    a = world["A"]
    client = a.client("member")
    start = balance(a.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client)
    assert response.status_code == 202, response.json()
    created = response.json()
    assert created["status"] == "queued" and created["progress"] == 0 and created["credits_charged"] == 25
    body = client.get(f"{URL}{created['id']}").json()
    assert (body["status"], body["progress"], body["provider"], body["error"]) == ("completed", 100, "offline", None)
    assert body["duration_seconds"] > 3
    video = _fetch(body["video_url"])
    with av.open(io.BytesIO(video)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert float(container.duration / av.time_base) == pytest.approx(body["duration_seconds"], abs=0.2)
    assert _fetch(body["thumbnail_url"])[:3] == b"\xff\xd8\xff"
    assert balance(a.workspace) == start - 25
    project = VideoProject.unscoped.get(pk=created["id"])
    assert Charge.unscoped.get(pk=project.charge_id).status == "committed"
    assert project.video_asset.bucket == "video-assets" and project.video_asset.workspace_id == a.workspace.pk


def test_the_same_idempotency_key_makes_one_video_and_one_charge(world, django_capture_on_commit_callbacks):
    a = world["A"]
    client = a.client()
    start = balance(a.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(client, key="same")
        second = _post(client, key="same")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"] and second["Idempotent-Replayed"] == "true"
    assert VideoProject.unscoped.filter(workspace=a.workspace).count() == 1
    assert balance(a.workspace) == start - 25
    assert client.post(URL, {"script": "x" * 10, "language": "en"}, format="json").status_code == 400  # no key


def test_the_plan_quota_is_checked_before_credits_and_failed_videos_do_not_count(world):
    a = world["A"]
    client = a.client()
    make_video_project(a.workspace, status="completed")
    make_video_project(a.workspace, status="failed")
    make_video_project(a.workspace, status="canceled")
    make_video_project(a.workspace, status="processing")
    last_month = make_video_project(a.workspace, status="completed")
    VideoProject.unscoped.filter(pk=last_month.pk).update(created_at=timezone.now() - timedelta(days=40))
    start = balance(a.workspace)
    response = _post(client)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "quota_exceeded" and error["details"] == {
        "quota": "videos_per_month",
        "limit": 2,
        "used": 2,
    }
    assert balance(a.workspace) == start and not Charge.unscoped.filter(workspace=a.workspace).exists()
    plan_change(workspace=a.workspace, plan=Plan.objects.get(key="pro"), reason="upgrade", actor=None)
    assert _post(client, key="k2").status_code == 202


def test_not_enough_credits_is_a_402_and_nothing_is_created(world):
    a = world["A"]
    spent = balance(a.workspace)
    from billing.charging import charge_reserve

    charge_reserve(workspace=a.workspace, module="content", quantity=spent // 5)  # leave < 25
    response = _post(a.client())
    assert response.status_code == 402
    assert response.json()["error"]["details"]["needed"] == 25
    assert not VideoProject.unscoped.filter(workspace=a.workspace).exists()


def test_bad_input_is_a_400_naming_the_field(world):
    client = world["A"].client()
    for body, field in (
        ({"script": "", "language": "ar"}, "script"),
        ({"script": "x" * 5001, "language": "ar"}, "script"),
        ({"script": "hello world", "language": "xx"}, "language"),
        ({"script": "hello world", "language": "en", "style": "loud"}, "style"),
        ({"script": "hello world", "language": "en", "avatar_id": "portrait-999"}, "avatar_id"),
        ({"script": "hello world", "language": "en", "voice_id": "../../etc"}, "voice_id"),
    ):
        response = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=f"bad-{field}-{len(str(body))}")
        assert response.status_code == 400, body
        assert field in response.json()["error"]["details"]


def test_cancel_refunds_once_and_a_finished_video_cannot_be_canceled(world):
    a = world["A"]
    client = a.client()
    start = balance(a.workspace)
    created = _post(client).json()  # the pipeline is not run: still queued
    assert balance(a.workspace) == start - 25
    response = client.post(f"{URL}{created['id']}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "canceled"
    assert balance(a.workspace) == start
    again = client.post(f"{URL}{created['id']}/cancel")
    assert again.status_code == 409 and balance(a.workspace) == start
    debit_id = Charge.unscoped.get(pk=VideoProject.unscoped.get(pk=created["id"]).charge_id).debit_id
    assert LedgerEntry.unscoped.filter(kind="refund", reverses_id=debit_id).count() == 1
    assert world["A"].client("viewer").post(f"{URL}{created['id']}/cancel").status_code == 403


def test_delete_removes_the_files(world, django_capture_on_commit_callbacks):
    a = world["A"]
    client = a.client()
    with django_capture_on_commit_callbacks(execute=True):
        created = _post(client).json()
    project = VideoProject.unscoped.get(pk=created["id"])
    files = [(x.bucket, x.key) for x in (project.video_asset, project.thumbnail_asset)]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{URL}{project.pk}").status_code == 204
    assert not VideoProject.unscoped.filter(pk=project.pk).exists()
    assert not any(storage.bucket_storage(bucket).exists(key) for bucket, key in files)


def test_list_filters_and_isolation(world):
    a, b = world["A"], world["B"]
    mine = make_video_project(a.workspace, status="completed", language="he")
    make_video_project(a.workspace, status="failed")
    make_video_project(b.workspace, title="SENTINEL-B")
    client = a.client("viewer")
    listed = client.get(f"{URL}?status=completed").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert "SENTINEL-B" not in client.get(URL).content.decode()
    assert client.get(f"{URL}?status=bogus").status_code == 400
    assert b.client().get(f"{URL}{mine.pk}").status_code == 404


def test_avatars_are_the_curated_presenters_and_the_workspace_portraits(world):
    a, b = world["A"], world["B"]
    portrait = make_asset(a.workspace, bucket="avatars", source="portrait", content=png_bytes(), name="me.png")
    make_asset(b.workspace, bucket="avatars", source="portrait", content=png_bytes(), name="SENTINEL-B.png")
    avatars = a.client("viewer").get("/api/v1/video-projects/avatars").json()["avatars"]
    assert [x["kind"] for x in avatars] == ["curated"] * 4 + ["portrait"]
    assert avatars[-1]["avatar_id"] == f"portrait-{portrait.pk}"
    image = _fetch(avatars[0]["image_url"])
    assert image.startswith(b"\x89PNG")
    assert "SENTINEL-B" not in str(avatars)
    # another workspace's portrait cannot be used
    response = b.client().post(
        URL,
        {"script": "hello there", "language": "en", "avatar_id": f"portrait-{portrait.pk}"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="steal",
    )
    assert response.status_code == 400


def test_voices_without_a_key_are_the_offline_styles(world):
    body = world["A"].client().get("/api/v1/video-projects/voices?language=he").json()
    assert body["provider"] == "offline" and len(body["voices"]) == 3


def test_a_render_with_a_portrait_uses_it(world, django_capture_on_commit_callbacks):
    a = world["A"]
    portrait = make_asset(a.workspace, bucket="avatars", source="portrait", content=png_bytes(64, 64, (0, 255, 0)))
    with django_capture_on_commit_callbacks(execute=True):
        created = _post(
            a.client(), avatar_id=f"portrait-{portrait.pk}", script="Green presenter here.", language="en"
        ).json()
    project = VideoProject.unscoped.get(pk=created["id"])
    from PIL import Image

    with Image.open(io.BytesIO(storage.read_bytes(project.thumbnail_asset))) as thumbnail:
        r, g, b_ = thumbnail.convert("RGB").getpixel((thumbnail.width // 2, int(thumbnail.height * 0.33)))
    assert g > 180 and r < 80 and b_ < 80  # the portrait's green fills the presenter disc
