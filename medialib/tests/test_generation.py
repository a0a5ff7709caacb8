"""Voiceovers, images and video prompts: charged once per Idempotency-Key,
offline without keys (and saying so), real providers through doubles."""

from __future__ import annotations

import base64
import io
import json

import av
import httpx2
import openai
import pytest
from django.test import Client
from PIL import Image

from billing.services import plans_ensure_defaults
from content.tests.conftest import balance
from content.tests.video_doubles import ELEVENLABS, ELEVENLABS_KEY, Doubles
from medialib.models import MediaAsset
from nexusone.outbound import use_transport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalogue(settings):
    plans_ensure_defaults()
    settings.ELEVENLABS_API_KEY = settings.DID_API_KEY = settings.OPENAI_API_KEY = ""


def _fetch(url: str) -> bytes:
    response = Client().get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_offline_voiceover_is_an_mp3_of_the_texts_length_and_costs_5(world):
    a = world["A"]
    start = balance(a.workspace)
    text = "שלום לכולם. קפה טרי כל בוקר, ומשלוח חינם לכל הזמנות."
    response = a.client().post(
        "/api/v1/media/voiceovers", {"text": text, "language": "he"}, format="json", HTTP_IDEMPOTENCY_KEY="v1"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["provider"] == "offline" and body["credits_charged"] == 5 and body["url_expires_at"]
    audio = _fetch(body["audio_url"])
    with av.open(io.BytesIO(audio)) as container:
        assert container.format.name == "mp3" and container.streams.audio[0].codec_context.name.startswith("mp3")
        assert float(container.duration / av.time_base) == pytest.approx(body["duration_seconds"], abs=0.15)
    assert 3 < body["duration_seconds"] < 8
    assert balance(a.workspace) == start - 5
    again = a.client().post(
        "/api/v1/media/voiceovers", {"text": text, "language": "he"}, format="json", HTTP_IDEMPOTENCY_KEY="v1"
    )
    assert again.json()["id"] == body["id"] and balance(a.workspace) == start - 5
    asset = MediaAsset.unscoped.get(pk=body["id"])
    assert (asset.bucket, asset.source) == ("ai-generated", "voiceover")
    # private: B cannot see it, and the library lists it for A
    assert world["B"].client().get(f"/api/v1/media/{asset.pk}").status_code == 404
    assert a.client().get("/api/v1/media/?source=voiceover").json()["count"] == 1


def test_a_voiceover_through_elevenlabs(world, settings):
    settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = ELEVENLABS_KEY, ELEVENLABS
    doubles = Doubles(result_mp4=b"")
    with use_transport(doubles.transport()):
        response = (
            world["A"]
            .client()
            .post(
                "/api/v1/media/voiceovers",
                {"text": "Hola a todos", "language": "es", "voice_id": "pNInz6obpgDQGcFmaJgB"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="v2",
            )
        )
    assert response.status_code == 201
    assert response.json()["provider"] == "elevenlabs"
    sent = json.loads(doubles.calls("POST", r"/v1/text-to-speech/pNInz6obpgDQGcFmaJgB")[0].content)
    assert sent == {"text": "Hola a todos", "model_id": "eleven_multilingual_v2"}


def test_a_voiceover_refused_by_elevenlabs_is_refunded(world, settings):
    settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = "wrong-key", ELEVENLABS
    a = world["A"]
    start = balance(a.workspace)
    with use_transport(Doubles(result_mp4=b"").transport()):
        response = a.client().post(
            "/api/v1/media/voiceovers", {"text": "Hello", "language": "en"}, format="json", HTTP_IDEMPOTENCY_KEY="v3"
        )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "provider_auth_failed"
    assert balance(a.workspace) == start and not MediaAsset.unscoped.exists()


def test_offline_images_are_cards_in_the_public_bucket_5_credits_each(world):
    a = world["A"]
    start = balance(a.workspace)
    response = a.client().post(
        "/api/v1/media/images",
        {"prompt": "قهوة عربية في الصباح", "size": "1536x1024", "count": 2, "language": "ar"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="i1",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["provider"] == "offline" and body["credits_charged"] == 10 and len(body["images"]) == 2
    for image in body["images"]:
        assert image["bucket"] == "generated-content" and image["is_public"] and image["url_expires_at"] is None
        with Image.open(io.BytesIO(_fetch(image["url"]))) as picture:
            assert picture.size == (1536, 1024)
    assert balance(a.workspace) == start - 10
    replay = a.client().post(
        "/api/v1/media/images",
        {"prompt": "قهوة عربية في الصباح", "size": "1536x1024", "count": 2, "language": "ar"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="i1",
    )
    assert replay.json() == body and balance(a.workspace) == start - 10
    bad = a.client().post(
        "/api/v1/media/images", {"prompt": "x", "size": "640x480"}, format="json", HTTP_IDEMPOTENCY_KEY="i2"
    )
    assert bad.status_code == 400 and "size" in bad.json()["error"]["details"]


def test_images_through_openais_images_api_with_the_workspaces_own_key(world, settings, monkeypatch):
    from integrations.tests.factories import make_connection

    settings.OPENAI_API_KEY, settings.OPENAI_IMAGE_MODEL = "sk-platform-key", "gpt-image-1"
    make_connection(world["A"].workspace, "openai", api_key="sk-own-key-of-a-0001")
    keys_used = []
    picture = io.BytesIO()
    Image.new("RGB", (1024, 1024), (9, 99, 199)).save(picture, "PNG")
    seen = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        assert request.url.path.endswith("/images/generations")
        item = {"b64_json": base64.b64encode(picture.getvalue()).decode(), "revised_prompt": None}
        return httpx2.Response(
            200,
            json={
                "created": 1713833628,
                "background": "opaque",
                "data": [item],
                "output_format": "png",
                "quality": "high",
                "size": "1024x1024",
                "usage": {
                    "total_tokens": 100,
                    "input_tokens": 50,
                    "output_tokens": 50,
                    "input_tokens_details": {"text_tokens": 10, "image_tokens": 40},
                },
            },
        )

    client = openai.OpenAI(
        api_key="sk-test",
        base_url="http://llm.test/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    monkeypatch.setattr("content.gateway.images._client", lambda api_key: keys_used.append(api_key) or client)
    response = (
        world["A"]
        .client()
        .post("/api/v1/media/images", {"prompt": "A red bicycle", "count": 1}, format="json", HTTP_IDEMPOTENCY_KEY="i3")
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["provider"] == "openai" and body["model"] == "gpt-image-1"
    assert seen == [{"model": "gpt-image-1", "prompt": "A red bicycle", "size": "1024x1024", "n": 1}]
    assert keys_used == ["sk-own-key-of-a-0001"]  # the vault's answer: A's own key, not the platform's
    with Image.open(io.BytesIO(_fetch(body["images"][0]["url"]))) as stored:
        assert stored.getpixel((5, 5)) == (9, 99, 199)


def test_a_video_prompt_is_shot_by_shot_in_the_language_and_costs_5(world):
    a = world["A"]
    start = balance(a.workspace)
    response = a.client().post(
        "/api/v1/media/video-prompts",
        {"idea": "קפה קר לקיץ", "language": "he", "style": "energetic"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="p1",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["provider"] == "offline" and body["credits_charged"] == 5 and len(body["shots"]) == 5
    assert all(shot["visual"] for shot in body["shots"]) and "קפה קר לקיץ" in body["prompt"]
    assert balance(a.workspace) == start - 5
    listed = a.client("viewer").get("/api/v1/media/video-prompts").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert world["B"].client().get(f"/api/v1/media/video-prompts/{body['id']}").status_code == 404
