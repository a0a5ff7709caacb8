"""A purged workspace leaves zero objects under its prefix in S3 (moto's
server, as medialib's S3 tests use it) and zero rows carrying its id in
PostgreSQL; the other workspace keeps all of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from medialib.tests.factories import make_asset
from medialib.tests.test_s3 import moto_endpoint, s3  # noqa: F401 - fixtures
from nexusone import storage
from privacy import services
from privacy.tests.test_workspace import _fill, _rows_with_workspace

pytestmark = pytest.mark.django_db


def _keys(server: dict, prefix: str = "") -> list[str]:
    pages = server["client"].get_paginator("list_objects_v2").paginate(Bucket=server["name"], Prefix=prefix)
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


def _under(server: dict, workspace_id: int) -> list[str]:
    return [key for bucket in storage.Bucket for key in _keys(server, f"{bucket}/{workspace_id}/")]


def test_purge_leaves_no_object_under_the_prefix_and_no_row(world, s3):  # noqa: F811 - the fixture
    a, b = world["A"], world["B"]
    for tenant in (a, b):
        _fill(tenant.workspace)
        for bucket in storage.Bucket:  # a file in every bucket
            make_asset(tenant.workspace, bucket=bucket, content=f"{bucket} of {tenant.workspace.slug}".encode())
    ws_id = a.workspace.pk
    # Orphans (no row points at them), one in a "sub-folder" of the prefix.
    s3["client"].put_object(Bucket=s3["name"], Key=f"video-assets/{ws_id}/{'c' * 32}.mp4", Body=b"orphan")
    s3["client"].put_object(Bucket=s3["name"], Key=f"ai-generated/{ws_id}/frames/0001.png", Body=b"frame")
    # The workspace's own export archive lives there too.
    export = services.export_start(workspace=a.workspace, user=a.users["owner"], role="owner")
    assert services.export_run(export_id=export.pk).status == "ready"

    before = _under(s3, ws_id)
    assert len(before) >= len(storage.Bucket) + 3
    theirs = sorted(_under(s3, b.workspace.pk))
    assert len(theirs) >= len(storage.Bucket)

    services.deletion_request(workspace=a.workspace, user=a.users["owner"], role="owner", confirm=a.workspace.slug)
    assert services.purge_due(now=timezone.now() + timedelta(days=8)) == 1

    assert _under(s3, ws_id) == []  # S3: nothing under the prefix, in any bucket
    assert not [key for key in _keys(s3) if f"/{ws_id}/" in key]
    assert _rows_with_workspace(ws_id) == {}  # PostgreSQL: no row carries its id
    assert sorted(_under(s3, b.workspace.pk)) == theirs  # B keeps every object
    assert _rows_with_workspace(b.workspace.pk)
