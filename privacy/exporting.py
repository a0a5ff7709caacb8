"""Workspace export: a ZIP with one JSON file per declared model, the
workspace's stored files and a README, written to a temporary file on disk
(never held in memory) and stored in the private `user-uploads` bucket.

Layout (documented in the README and `manifest.json`):
- `manifest.json` — format version, workspace id, generated time, per model
  its file, row count and columns (name → Django field type);
- `workspace.json` — the workspace row;
- `data/<app>.<Model>.json` — a JSON array of rows, every column by its
  database name (`*_id` for foreign keys, so ids are kept), secrets excluded
  (the registry's `secret` fields);
- `files/<bucket>/<key>` — every stored object of the workspace
  (`files/default/<key>` for CSV uploads of the CRM).
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from datetime import timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone, translation

from nexusone import storage
from nexusone.personal_data import Holding, exported_fields, holding_for, workspace_holdings

FORMAT_VERSION = 1
EXPORT_SOURCE = "privacy_export"
CHUNK = 256 * 1024


def _dump_rows(zf: zipfile.ZipFile, name: str, rows, columns: list[str]) -> int:
    count = 0
    with zf.open(name, "w", force_zip64=True) as out:
        out.write(b"[")
        for row in rows.values(*columns).iterator(chunk_size=2000):
            out.write((b",\n" if count else b"\n") + json.dumps(row, cls=DjangoJSONEncoder).encode())
            count += 1
        out.write(b"\n]\n")
    return count


def _copy(zf: zipfile.ZipFile, name: str, opener: Callable) -> bool:
    try:
        with opener() as source, zf.open(name, "w", force_zip64=True) as out:
            for chunk in source.chunks(CHUNK) if hasattr(source, "chunks") else iter(lambda: source.read(CHUNK), b""):
                out.write(chunk)
    except (FileNotFoundError, OSError):
        return False
    return True


def _schema(holding: Holding) -> dict[str, str]:
    model = holding.model_class
    return {f.attname: f.get_internal_type() for f in model._meta.concrete_fields if f.name not in holding.secret}


def _files_of(holding: Holding, workspace) -> list[tuple[str, Callable]]:
    """(name in the ZIP, opener) for the stored files a holding names."""
    found: list[tuple[str, Callable]] = []
    for field_name, kind in holding.files.items():
        rows = holding.workspace_rows(workspace)
        if kind == "asset":
            rows = rows.exclude(source=EXPORT_SOURCE)
            for bucket, key in rows.values_list("bucket", field_name).iterator():
                found.append((f"files/{bucket}/{key}", lambda b=bucket, k=key: storage.bucket_storage(b).open(k, "rb")))
        elif kind == "default":
            for key in rows.exclude(**{field_name: ""}).values_list(field_name, flat=True).iterator():
                found.append((f"files/default/{key}", lambda k=key: default_storage.open(k, "rb")))
        elif kind == "path":
            for path in rows.exclude(**{field_name: ""}).values_list(field_name, flat=True).iterator():
                found.append((f"files/{path}", lambda p=path: storage.open_path(p)))
    return found


def build_archive(*, workspace, language: str, progress: Callable[[int], None] | None = None):
    """Write the export ZIP to a temporary file; return (file, counts)."""
    holdings = sorted(workspace_holdings(), key=lambda h: h.label)
    handle = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 - returned to the caller, who closes it
    counts: dict[str, int] = {}
    manifest_models: dict[str, dict] = {}
    files: dict[str, Callable] = {}
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        ws_holding = holding_for("accounts.Workspace")
        from accounts.models import Workspace

        ws_columns = exported_fields(ws_holding)
        _dump_rows(zf, "workspace.json", Workspace.objects.filter(pk=workspace.pk), ws_columns)
        for index, holding in enumerate(holdings):
            name = f"data/{holding.label}.json"
            counts[holding.label] = _dump_rows(
                zf, name, holding.workspace_rows(workspace).order_by("pk"), exported_fields(holding)
            )
            manifest_models[holding.label] = {
                "file": name,
                "rows": counts[holding.label],
                "columns": _schema(holding),
                "note": holding.note,
            }
            for zip_name, opener in _files_of(holding, workspace):
                files.setdefault(zip_name, opener)
            if progress:
                progress(int(70 * (index + 1) / len(holdings)))
        copied = 0
        for index, (zip_name, opener) in enumerate(sorted(files.items())):
            copied += _copy(zf, zip_name, opener)
            if progress and index % 20 == 0:
                progress(70 + int(28 * (index + 1) / len(files)))
        counts["files"] = copied
        manifest = {
            "format_version": FORMAT_VERSION,
            "workspace_id": workspace.pk,
            "generated_at": timezone.now(),
            "models": manifest_models,
            "files": copied,
        }
        zf.writestr("manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, indent=2))
        with translation.override(language):
            readme = render_to_string(
                "privacy/export_readme.txt",
                {"workspace": workspace, "counts": counts, "generated_at": manifest["generated_at"]},
            )
        zf.writestr("README.txt", readme)
    handle.seek(0)
    return handle, counts


def store_archive(*, workspace, handle, user=None):
    """Store the ZIP (streamed from disk) as a private file that expires in 7 days."""
    return storage.store(
        workspace=workspace,
        bucket=storage.Bucket.USER_UPLOADS,
        content=File(handle),
        extension="zip",
        content_type="application/zip",
        name=f"export-{workspace.slug}-{timezone.now():%Y%m%d-%H%M}.zip",
        source=EXPORT_SOURCE,
        user=user,
        expires_at=timezone.now() + timedelta(days=7),
    )
