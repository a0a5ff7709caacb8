"""The same bucket API on S3 — moto's server on 127.0.0.1 stands in for any
S3-compatible service (T29: distinct keys, no cross-workspace links, no
public object ACLs; private objects readable only through presigned URLs)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from django.core.management import call_command
from moto.server import ThreadedMotoServer

from medialib.services import media_cleanup
from medialib.tests.factories import make_asset, png_bytes
from nexusone import storage
from nexusone.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, moto_endpoint):
    """Every bucket as a prefix of one fresh S3 bucket, configured like settings.py does with AWS_*."""
    name = f"nexusone-{uuid.uuid4().hex[:12]}"
    common = {
        "bucket_name": name,
        "endpoint_url": moto_endpoint,
        "region_name": "us-east-1",
        "access_key": "test",
        "secret_key": "test",
        "signature_version": "s3v4",
        "file_overwrite": False,
        "default_acl": None,
    }
    buckets = {}
    for bucket in storage.Bucket:
        options = {
            **common,
            "location": bucket,
            "querystring_auth": not storage.is_public(bucket),
            "querystring_expire": settings.STORAGE_SIGNED_URL_SECONDS,
        }
        buckets[bucket.value] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    settings.STORAGES = {**settings.STORAGES, **buckets}
    call_command("storage_init", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = storage.bucket_storage("avatars").connection.meta.client
    return {"name": name, "endpoint": moto_endpoint, "client": client}


def test_objects_are_keyed_by_workspace_and_never_overwritten(world, s3):
    a, b = world["A"].workspace, world["B"].workspace
    first, second = make_asset(a, name="same.png", content=b"one"), make_asset(a, name="same.png", content=b"two")
    theirs = make_asset(b, name="same.png", content=b"three")
    listed = s3["client"].list_objects_v2(Bucket=s3["name"])["Contents"]
    keys = sorted(obj["Key"] for obj in listed)
    assert keys == sorted(f"user-uploads/{asset.key}" for asset in (first, second, theirs))
    assert first.key.startswith(f"{a.pk}/") and theirs.key.startswith(f"{b.pk}/")
    assert [storage.read_bytes(x) for x in (first, second, theirs)] == [b"one", b"two", b"three"]
    for obj in listed:  # no object carries a public grant: access is the bucket policy's business
        grants = s3["client"].get_object_acl(Bucket=s3["name"], Key=obj["Key"])["Grants"]
        assert not [g for g in grants if g["Grantee"].get("URI", "").endswith("AllUsers")]


def test_private_objects_need_a_presigned_url_issued_to_a_member(world, s3):
    a, b = world["A"], world["B"]
    asset = make_asset(a.workspace, content=b"private on s3")
    url = storage.url(asset, user=a.users["viewer"])
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=900" in url
    assert httpx.get(url).content == b"private on s3"
    assert httpx.get(url.split("?")[0]).status_code == 403
    with pytest.raises(NotFound):
        storage.url(asset, user=b.users["owner"])


def test_public_buckets_are_readable_by_anyone_through_the_policy(world, s3):
    avatar = make_asset(world["A"].workspace, bucket="avatars", content=png_bytes())
    url = storage.public_url(avatar)
    assert url == f"{s3['endpoint']}/{s3['name']}/avatars/{avatar.key}" and "Signature" not in url
    assert httpx.get(url).content == png_bytes()
    policy = json.loads(s3["client"].get_bucket_policy(Bucket=s3["name"])["Policy"])
    resources = policy["Statement"][0]["Resource"]
    public = [b for b in storage.Bucket if storage.is_public(b)]
    assert sorted(resources) == sorted(f"arn:aws:s3:::{s3['name']}/{b}/*" for b in public)


def test_cleanup_finds_orphans_and_expired_files_on_s3(world, s3, settings):
    from datetime import timedelta

    from django.utils import timezone

    workspace = world["A"].workspace
    kept = make_asset(workspace)
    expired = make_asset(workspace, bucket="ai-generated", expires_at=timezone.now() - timedelta(seconds=1))
    s3["client"].put_object(Bucket=s3["name"], Key=f"video-assets/{workspace.pk}/{'c' * 32}.mp4", Body=b"orphan")
    settings.MEDIA_ORPHAN_GRACE_HOURS = -1  # S3 sets modification times itself: treat every orphan as old
    assert media_cleanup() == {"expired": 1, "orphans": 1}
    remaining = sorted(o["Key"] for o in s3["client"].list_objects_v2(Bucket=s3["name"])["Contents"])
    assert remaining == [f"user-uploads/{kept.key}"]
    assert not storage.bucket_storage(expired.bucket).exists(expired.key)
