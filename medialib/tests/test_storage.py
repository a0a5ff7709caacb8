"""The bucket API on local folders: keys, links, who may read what, and the
local file routes."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from medialib.models import MediaAsset
from medialib.services import media_cleanup
from medialib.tests.factories import make_asset, png_bytes
from nexusone import storage
from nexusone.errors import NotFound

pytestmark = pytest.mark.django_db


def _get(url: str):
    response = Client().get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_keys_are_workspace_and_uuid_and_never_overwrite(world, settings):
    a, b = world["A"].workspace, world["B"].workspace
    first = make_asset(a, name="logo.png", content=b"first")
    second = make_asset(a, name="logo.png", content=b"second")
    other = make_asset(b, name="logo.png", content=b"theirs")
    for asset, workspace in ((first, a), (second, a), (other, b)):
        assert re.fullmatch(rf"{workspace.pk}/[0-9a-f]{{32}}\.png", asset.key)
    assert len({first.key, second.key, other.key}) == 3
    assert storage.read_bytes(first) == b"first" and storage.read_bytes(other) == b"theirs"
    path = storage.local_path(first)
    assert path.startswith(f"{settings.MEDIA_ROOT}/user-uploads/{a.pk}/")
    with pytest.raises(FileExistsError):
        storage.bucket_storage("user-uploads").save(first.key, io.BytesIO(b"overwrite"))
    assert storage.read_bytes(first) == b"first"


def test_a_private_file_is_served_only_with_a_valid_unexpired_signature(world):
    a = world["A"]
    asset = make_asset(a.workspace, content=b"private bytes")
    link = storage.link(asset, user=a.users["viewer"])
    assert link.url.startswith(f"/files/user-uploads/{asset.key}?") and link.expires_at is not None
    assert _get(link.url) == (200, b"private bytes")

    bare = f"/files/user-uploads/{asset.key}"
    assert _get(bare)[0] == 403
    tampered = re.sub(r"signature=([0-9a-f])", lambda m: "signature=" + ("0" if m.group(1) != "0" else "1"), link.url)
    assert _get(tampered)[0] == 403
    longer = re.sub(r"expires=(\d+)", lambda m: f"expires={int(m.group(1)) + 3600}", link.url)
    assert _get(longer)[0] == 403  # the expiry is signed too
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert _get(link.url)[0] == 403
    # never through the public route
    assert _get(f"/media/user-uploads/{asset.key}")[0] == 404


def test_signed_links_are_issued_only_to_members_of_the_workspace(world):
    a, b = world["A"], world["B"]
    asset = make_asset(a.workspace)
    from django.contrib.auth.models import AnonymousUser

    for outsider in (b.users["owner"], AnonymousUser(), None):
        with pytest.raises(NotFound):
            storage.link(asset, user=outsider)
    assert storage.url(asset, user=a.users["member"]).startswith("/files/")


def test_a_public_file_has_a_stable_url_anyone_may_read(world):
    asset = make_asset(world["A"].workspace, bucket="avatars", content=png_bytes())
    url = storage.public_url(asset)
    assert url == f"/media/avatars/{asset.key}"
    assert storage.link(asset, user=None).expires_at is None  # no membership needed for a public bucket
    status, body = _get(url)
    assert status == 200 and body == png_bytes()
    assert storage.provider_url(asset) == f"http://127.0.0.1:8000{url}"
    assert _get(f"/files/avatars/{asset.key}")[0] == 404
    with pytest.raises(ValueError):
        storage.public_url(make_asset(world["A"].workspace))


@pytest.mark.parametrize(
    "path",
    [
        "/media/avatars/../user-uploads/1/a.png",
        "/media/avatars/1/../../../etc/passwd",
        "/media/nope/1/a.png",
        "/media/avatars/a/b.png",
        "/files/user-uploads/1/%2e%2e/x.png?expires=9999999999&signature=x",
    ],
)
def test_odd_paths_are_404_without_touching_the_disk(path):
    assert _get(path)[0] == 404


def test_the_provider_url_of_a_private_file_is_absolute_and_signed(world, settings):
    settings.SITE_URL = "https://app.example.com"
    asset = make_asset(
        world["A"].workspace, bucket="ai-generated", content=b"voice", extension="mp3", content_type="audio/mpeg"
    )
    url = storage.provider_url(asset)
    assert url.startswith(f"https://app.example.com/files/ai-generated/{asset.key}?expires=")
    assert _get(url.removeprefix("https://app.example.com")) == (200, b"voice")


def test_delete_removes_row_and_object(world, django_capture_on_commit_callbacks):
    asset = make_asset(world["A"].workspace)
    path = storage.local_path(asset)
    with django_capture_on_commit_callbacks(execute=True):
        storage.delete(asset)
    assert not MediaAsset.unscoped.filter(pk=asset.pk).exists()
    assert not os.path.exists(path)


def test_cleanup_deletes_expired_files_and_old_orphans_only(world, settings):
    workspace = world["A"].workspace
    expired = make_asset(workspace, expires_at=timezone.now() - timedelta(minutes=1))
    kept = make_asset(workspace, expires_at=timezone.now() + timedelta(days=1))
    forever = make_asset(workspace, bucket="video-assets")
    backend = storage.bucket_storage("ai-generated")
    old_orphan = backend.save(f"{workspace.pk}/{'a' * 32}.mp3", io.BytesIO(b"lost"))
    fresh_orphan = backend.save(f"{workspace.pk}/{'b' * 32}.mp3", io.BytesIO(b"in flight"))
    day_ago = (timezone.now() - timedelta(hours=settings.MEDIA_ORPHAN_GRACE_HOURS + 1)).timestamp()
    os.utime(backend.path(old_orphan), (day_ago, day_ago))

    assert media_cleanup() == {"expired": 1, "orphans": 1}
    assert not MediaAsset.unscoped.filter(pk=expired.pk).exists()
    assert not storage.bucket_storage(expired.bucket).exists(expired.key)
    assert not os.path.exists(backend.path(old_orphan))
    assert backend.exists(fresh_orphan)
    assert storage.read_bytes(kept) and storage.read_bytes(forever)
    assert media_cleanup() == {"expired": 0, "orphans": 0}  # safe to run twice
