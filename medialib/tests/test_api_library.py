"""Uploads (type from the bytes, size limit, images re-encoded, 413/415 in the
envelope) and the media library API."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from medialib.models import MediaAsset
from medialib.tests.factories import make_asset, png_bytes
from nexusone import storage

pytestmark = pytest.mark.django_db

UPLOADS = "/api/v1/media/uploads"


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0131] = "secret-firmware"  # Software
    exif[0x0112] = 6  # Orientation: rotate 90° on display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"private comment")
    return buffer.getvalue()


def _fetch(url: str) -> bytes:
    response = Client().get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def test_an_image_upload_is_sniffed_reencoded_without_metadata_and_private(world):
    client = world["A"].client("member")
    original = _jpeg_with_exif()
    assert b"SpyCam" in original
    response = client.post(
        UPLOADS, {"file": SimpleUploadedFile("holiday.txt", original, "text/plain")}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content_type"] == "image/jpeg" and body["kind"] == "image" and body["name"] == "holiday.jpg"
    assert body["bucket"] == "user-uploads" and body["is_public"] is False and body["url_expires_at"]
    assert (body["width"], body["height"]) == (20, 40)  # EXIF orientation applied, then dropped
    stored = _fetch(body["url"])
    assert b"SpyCam" not in stored and b"secret-firmware" not in stored and b"private comment" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (20, 40) and not image.getexif()
    asset = MediaAsset.unscoped.get(pk=body["id"])
    assert asset.workspace_id == world["A"].workspace.pk and asset.created_by == world["A"].users["member"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("x.png", b"<html><script>alert(1)</script></html>"),
        ("x.exe", b"MZ\x90\x00" + b"\x00" * 60),
        ("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),  # a PNG header on garbage
    ],
)
def test_what_is_not_media_is_refused_with_415(world, name, data):
    response = world["A"].client().post(UPLOADS, {"file": SimpleUploadedFile(name, data)}, format="multipart")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert not MediaAsset.unscoped.exists()


def test_a_file_over_the_limit_is_refused_with_413(world, settings):
    settings.MEDIA_UPLOAD_MAX_BYTES = 1000
    response = (
        world["A"]
        .client()
        .post(
            UPLOADS,
            {"file": SimpleUploadedFile("big.png", png_bytes(400, 400, (1, 2, 3)) + b"\x00" * 2000)},
            format="multipart",
        )
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large" and error["details"]["limit"] == 1000
    assert not MediaAsset.unscoped.exists()


def test_an_image_with_too_many_pixels_is_refused_before_decoding(world, monkeypatch):
    monkeypatch.setattr("medialib.uploads.MAX_IMAGE_PIXELS", 100)
    response = (
        world["A"].client().post(UPLOADS, {"file": SimpleUploadedFile("x.png", png_bytes(20, 20))}, format="multipart")
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"


def test_no_file_is_a_400_in_the_envelope(world):
    response = world["A"].client().post(UPLOADS, {"purpose": "file"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["details"]


def test_a_video_upload_is_stored_as_is_in_the_private_bucket(world):
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 100
    response = world["A"].client().post(UPLOADS, {"file": SimpleUploadedFile("clip", mp4)}, format="multipart")
    assert response.status_code == 201
    body = response.json()
    assert (body["content_type"], body["kind"], body["name"]) == ("video/mp4", "video", "clip.mp4")
    assert _fetch(body["url"]) == mp4


def test_a_portrait_goes_to_the_public_avatars_bucket(world):
    client = world["A"].client()
    response = client.post(
        UPLOADS, {"file": SimpleUploadedFile("me.png", png_bytes()), "purpose": "portrait"}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["bucket"] == "avatars" and body["is_public"] and body["url_expires_at"] is None
    assert body["url"].startswith("http://testserver/media/avatars/")
    refused = client.post(
        UPLOADS, {"file": SimpleUploadedFile("a.mp3", b"ID3" + b"\x00" * 64), "purpose": "portrait"}, format="multipart"
    )
    assert refused.status_code == 415


def test_a_viewer_cannot_upload(world):
    response = (
        world["A"]
        .client("viewer")
        .post(UPLOADS, {"file": SimpleUploadedFile("a.png", png_bytes())}, format="multipart")
    )
    assert response.status_code == 403


def test_the_library_lists_only_the_workspace_files_with_links(world, django_assert_max_num_queries):
    a, b = world["A"], world["B"]
    mine = [make_asset(a.workspace, name=f"a{i}.png") for i in range(3)]
    make_asset(a.workspace, bucket="ai-generated", source="voice_track", name="track.mp3")  # not a library item
    make_asset(b.workspace, name="SENTINEL-B.png")
    # why: membership of the workspace, a page of rows, the count — links are computed, not queried per row
    # beyond one membership check per private file
    with django_assert_max_num_queries(12):
        response = a.client("viewer").get("/api/v1/media/")
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [asset.pk for asset in reversed(mine)]
    assert "SENTINEL-B" not in response.content.decode()
    assert all(row["url"].startswith("http://testserver/files/user-uploads/") for row in body["results"])
    assert a.client().get("/api/v1/media/?kind=bogus").status_code == 400
    assert a.client().get("/api/v1/media/?search=a1").json()["count"] == 1


def test_another_workspace_file_is_a_404_like_a_missing_one(world):
    asset = make_asset(world["A"].workspace)
    b = world["B"].client()
    assert b.get(f"/api/v1/media/{asset.pk}").status_code == 404
    assert b.delete(f"/api/v1/media/{asset.pk}").status_code == 404
    assert b.get("/api/v1/media/987654321").json() == b.get(f"/api/v1/media/{asset.pk}").json()
    assert storage.bucket_storage(asset.bucket).exists(asset.key)


def test_delete_removes_the_file(world, django_capture_on_commit_callbacks):
    asset = make_asset(world["A"].workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = world["A"].client("member").delete(f"/api/v1/media/{asset.pk}")
    assert response.status_code == 204
    assert not storage.bucket_storage(asset.bucket).exists(asset.key)
    assert not MediaAsset.unscoped.filter(pk=asset.pk).exists()
