"""Video studio and media pages: render in every language (right to left in
Arabic and Hebrew), create through the same services, refuse viewers."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

from content.tests.conftest import balance
from content.video.models import VideoProject, VideoPrompt
from medialib.models import MediaAsset
from medialib.tests.factories import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _offline(settings):
    settings.ELEVENLABS_API_KEY = settings.DID_API_KEY = settings.OPENAI_API_KEY = ""


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("language", "direction"), [("en", "ltr"), ("es", "ltr"), ("pt", "ltr"), ("ar", "rtl"), ("he", "rtl")]
)
def test_every_media_page_renders_in_every_language(world, language, direction):
    client = signed_in(world["A"].users["member"])
    slug = world["A"].workspace.slug
    for path in ("videos/", "videos/prompts/", "media/", "media/voiceover/", "media/images/"):
        response = client.get(f"/{language}/w/{slug}/{path}")
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'<html lang="{language}" dir="{direction}">' in html


def test_the_studio_makes_an_arabic_video_and_shows_the_player(world, django_capture_on_commit_callbacks):
    a = world["A"]
    client = signed_in(a.users["member"])
    slug = a.workspace.slug
    start = balance(a.workspace)
    studio = client.get(f"/ar/w/{slug}/videos/").content.decode()
    assert 'data-cost="25"' in studio and "presenter-amira" in studio
    token = re.search(r'name="request_token" value="([^"]+)"', studio).group(1)
    form = {
        "request_token": token,
        "title": "افتتاح المتجر",
        "script": "مرحباً بكم في متجرنا! قهوة طازجة كل صباح.",
        "language": "ar",
        "style": "calm",
        "voice_id": "",
        "avatar_id": "presenter-noah",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ar/w/{slug}/videos/", form)
        again = client.post(f"/ar/w/{slug}/videos/", form)  # a double submit: the same video
    assert response.status_code == 302 and again["Location"] == response["Location"]
    project = VideoProject.unscoped.get(workspace=a.workspace)
    assert project.avatar_id == "presenter-noah" and balance(a.workspace) == start - 25
    detail = client.get(response["Location"]).content.decode()
    assert '<video class="player"' in detail and f'src="/media/video-assets/{project.video_asset.key}"' in detail
    assert 'dir="rtl"' in detail and "hx-trigger" not in detail  # finished: no more polling
    assert Client().get(f"/media/video-assets/{project.video_asset.key}").status_code == 200


def test_a_running_job_polls_its_status_until_it_ends(world):
    a = world["A"]
    project = VideoProject.unscoped.create(
        workspace=a.workspace, script="Hello there", language="en", status="processing", stage="avatar", progress=40
    )
    client = signed_in(a.users["viewer"])
    page = client.get(f"/en/w/{a.workspace.slug}/videos/{project.pk}/").content.decode()
    # live progress events refresh the status; it polls every 2 s only while the event stream is down
    assert 'data-progress-job="video"' in page and "every 2s [!window.nexusoneLive]" in page and 'value="40"' in page
    fragment = client.get(f"/en/w/{a.workspace.slug}/videos/{project.pk}/?fragment=status", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<div id="video-status"')
    jobs = client.get(f"/en/w/{a.workspace.slug}/videos/jobs/").content.decode()
    assert "every 2s [!window.nexusoneLive]" in jobs and "40%" in jobs
    VideoProject.unscoped.filter(pk=project.pk).update(status="failed", error_message="Face not detected")
    fragment = client.get(f"/en/w/{a.workspace.slug}/videos/{project.pk}/?fragment=status", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in fragment.content.decode() and "Face not detected" in fragment.content.decode()


def test_cancel_and_delete_from_the_page(world):
    a = world["A"]
    client = signed_in(a.users["member"])
    slug = a.workspace.slug
    from content.video.services import video_project_create
    from nexusone.tenancy import workspace_scope

    with workspace_scope(a.workspace):
        project = video_project_create(
            workspace=a.workspace, user=a.users["member"], script="Hello there friends", language="en"
        )
    start = balance(a.workspace)
    assert (
        signed_in(a.users["viewer"]).post(f"/en/w/{slug}/videos/{project.pk}/", {"action": "cancel"}).status_code == 403
    )
    client.post(f"/en/w/{slug}/videos/{project.pk}/", {"action": "cancel"})
    assert VideoProject.unscoped.get(pk=project.pk).status == "canceled" and balance(a.workspace) == start + 25
    client.post(f"/en/w/{slug}/videos/{project.pk}/", {"action": "delete"})
    assert not VideoProject.unscoped.filter(pk=project.pk).exists()
    assert signed_in(world["B"].users["owner"]).get(f"/en/w/{slug}/videos/").status_code == 404


def test_the_prompt_helper_page(world):
    a = world["A"]
    client = signed_in(a.users["member"])
    response = client.post(
        f"/he/w/{a.workspace.slug}/videos/prompts/",
        {"request_token": str(uuid.uuid4()), "idea": "קפה קר לקיץ", "language": "he", "style": "calm"},
    )
    assert response.status_code == 302
    prompt = VideoPrompt.unscoped.get(workspace=a.workspace)
    assert "קפה קר לקיץ" in client.get(response["Location"]).content.decode() and len(prompt.shots) == 5


def test_upload_a_portrait_then_it_is_a_presenter_choice(world):
    a = world["A"]
    client = signed_in(a.users["member"])
    slug = a.workspace.slug
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/en/w/{slug}/media/", {"purpose": "portrait", "file": SimpleUploadedFile("me.png", png_bytes(), "image/png")}
    )
    assert response.status_code == 302
    asset = MediaAsset.unscoped.get(workspace=a.workspace)
    assert asset.bucket == "avatars"
    assert f"portrait-{asset.pk}" in client.get(f"/en/w/{slug}/videos/").content.decode()
    refused = client.post(
        f"/en/w/{slug}/media/", {"purpose": "file", "file": SimpleUploadedFile("x.svg", b"<svg/>", "image/svg+xml")}
    )
    assert refused.status_code == 400 and "not accepted" in refused.content.decode()
    library = client.get(f"/en/w/{slug}/media/").content.decode()
    assert "me.png" in library
    client.post(f"/en/w/{slug}/media/", {"action": "delete", "asset": asset.pk})
    assert not MediaAsset.unscoped.filter(pk=asset.pk).exists()


def test_voiceover_and_images_pages_create_files(world):
    a = world["A"]
    client = signed_in(a.users["member"])
    slug = a.workspace.slug
    response = client.post(
        f"/es/w/{slug}/media/voiceover/",
        {
            "request_token": str(uuid.uuid4()),
            "text": "Hola a todos, café fresco cada mañana.",
            "language": "es",
            "voice_id": "",
        },
    )
    assert response.status_code == 302
    assert "<audio" in client.get(response["Location"]).content.decode()
    response = client.post(
        f"/es/w/{slug}/media/images/",
        {
            "request_token": str(uuid.uuid4()),
            "prompt": "Café con leche",
            "size": "1024x1024",
            "count": "2",
            "language": "es",
        },
    )
    assert response.status_code == 302
    assert MediaAsset.unscoped.filter(workspace=a.workspace, source="image").count() == 2
