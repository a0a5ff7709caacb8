"""Workspace export (ZIP of every declared model) and deletion (grace, purge)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from medialib.tests.factories import make_asset
from nexusone import storage
from nexusone.personal_data import workspace_holdings
from nexusone.tests.routewalk import tenant_factories
from privacy import services
from privacy.models import AccountingRecord, WorkspaceDeletion, WorkspaceExport

pytestmark = pytest.mark.django_db


def _fill(workspace) -> None:
    """A row in every model that has a factory (every module), plus a file."""
    for factory in tenant_factories().values():
        factory(workspace)
    make_asset(workspace)


def _zip_of(export: WorkspaceExport) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(storage.read_bytes(export.asset)))


def test_export_holds_every_row_of_every_module_and_no_secret(world):
    a, b = world["A"], world["B"]
    _fill(a.workspace)
    _fill(b.workspace)
    response = a.client("admin").post("/api/v1/workspace/export")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert a.client("owner").post("/api/v1/workspace/export").status_code == 409  # one at a time

    expected_counts = {h.label: h.workspace_rows(a.workspace).count() for h in workspace_holdings()}
    export = services.export_run(export_id=response.json()["id"])
    assert export.status == WorkspaceExport.Status.READY and export.progress == 100
    archive = _zip_of(export)
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    for holding in workspace_holdings():
        expected = expected_counts[holding.label]
        rows = json.loads(archive.read(f"data/{holding.label}.json"))
        assert len(rows) == expected, holding.label
        assert manifest["models"][holding.label]["rows"] == expected
        assert all(row["workspace_id"] == a.workspace.pk for row in rows)
        for secret in holding.secret:
            assert all(secret not in row for row in rows), (holding.label, secret)
    assert json.loads(archive.read("workspace.json"))[0]["id"] == a.workspace.pk
    assert "README.txt" in names
    files = [n for n in names if n.startswith("files/")]
    from medialib.models import MediaAsset

    stored = MediaAsset.unscoped.filter(workspace=a.workspace).exclude(source="privacy_export").count()
    assert len(files) == stored >= 1
    blob = b"".join(archive.read(n) for n in names)
    assert b.workspace.slug.encode() not in blob  # nothing of the other workspace
    assert b"hooks.slack.com/services" not in blob  # the vault's secret stays out
    assert b"gAAAA" not in blob

    # The link: owners and admins, fresh, valid for an hour.
    body = a.client("admin").get("/api/v1/workspace/export").json()
    assert body["status"] == "ready" and body["download_url"]
    expires = int(parse_qs(urlparse(body["download_url"]).query)["expires"][0])
    assert 0 < expires - timezone.now().timestamp() <= 3600 + 5
    assert a.client("member").get("/api/v1/workspace/export").status_code == 403
    assert b.client("owner").get("/api/v1/workspace/export").json()["id"] != export.pk  # B sees its own only


def test_export_readme_is_in_the_requesters_language(world):
    a = world["A"]
    owner = a.users["owner"]
    owner.preferred_language = "es"
    owner.save(update_fields=["preferred_language"])
    export = services.export_start(workspace=a.workspace, user=owner, role="owner")
    export = services.export_run(export_id=export.pk)
    assert "Exportación" in _zip_of(export).read("README.txt").decode()


def test_delete_needs_the_owner_and_the_slug(world):
    a = world["A"]
    assert a.client("admin").delete("/api/v1/workspace", {"confirm": a.workspace.slug}).status_code == 403
    wrong = a.client("owner").delete("/api/v1/workspace", {"confirm": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "confirmation_mismatch"
    assert WorkspaceDeletion.objects.count() == 0


def _rows_with_workspace(workspace_id: int) -> dict[str, int]:
    from django.apps import apps

    found = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        if any(f.name == "workspace" for f in model._meta.concrete_fields):
            n = model._base_manager.filter(workspace_id=workspace_id).count()
            if n:
                found[model._meta.label] = n
    return found


def test_deleted_workspace_is_locked_restorable_then_purged_to_nothing(world):
    a, b = world["A"], world["B"]
    _fill(a.workspace)
    _fill(b.workspace)
    ws_id, slug = a.workspace.pk, a.workspace.slug
    owner = a.client("owner")
    response = owner.delete("/api/v1/workspace", {"confirm": slug}, format="json")
    assert response.status_code == 202, response.content
    reference = response.json()["reference"]
    # Members lose access at once.
    assert a.client("member").get("/api/v1/me").status_code == 404
    # The owner restores within the grace period, from another workspace's context.
    from accounts.models import Membership

    other = Membership.objects.filter(user=a.users["owner"]).exclude(workspace_id=ws_id).first()
    client = a.client("owner")
    client.credentials(HTTP_X_WORKSPACE=str(other.workspace_id))
    assert [d["reference"] for d in client.get("/api/v1/workspace-deletions").json()] == [reference]
    assert client.post(f"/api/v1/workspace-deletions/{reference}/restore").status_code == 200
    assert a.client("member").get("/api/v1/me").status_code == 200

    deletion = services.deletion_request(workspace=a.workspace, user=a.users["owner"], role="owner", confirm=slug)
    assert services.purge_due() == 0  # still in its grace period
    assert services.purge_due(now=timezone.now() + timedelta(days=8)) == 1
    deletion.refresh_from_db()
    assert deletion.status == "purged" and deletion.workspace_id is None
    assert _rows_with_workspace(ws_id) == {}
    for bucket in storage.Bucket:
        target = storage.bucket_storage(bucket)
        assert not target.exists(str(ws_id)) or target.listdir(str(ws_id))[1] == []
    assert AccountingRecord.objects.filter(deletion_reference=deletion.reference).count() >= 1
    from nexusone.audit import AuditEntry

    entry = AuditEntry.objects.get(action="privacy.workspace.purged")
    assert entry.workspace_id is None and slug not in json.dumps(entry.metadata)
    # B is untouched, and a second run is a no-op.
    assert _rows_with_workspace(b.workspace.pk)
    assert services.purge_due(now=timezone.now() + timedelta(days=9)) == 0
