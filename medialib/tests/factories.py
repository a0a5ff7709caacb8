"""Rows of the media app for tests and the route walk (TENANT_FACTORIES)."""

from __future__ import annotations

import io

from PIL import Image

from medialib.models import MediaAsset
from nexusone import storage


def png_bytes(width: int = 8, height: int = 6, color=(200, 30, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def make_asset(workspace, *, bucket: str = "user-uploads", content: bytes | None = None, **fields) -> MediaAsset:
    """A stored file with its row, through the real bucket API."""
    return storage.store(
        workspace=workspace,
        bucket=bucket,
        content=content if content is not None else png_bytes(),
        extension=fields.pop("extension", "png"),
        content_type=fields.pop("content_type", "image/png"),
        name=fields.pop("name", f"file of {workspace.name}.png"),
        source=fields.pop("source", "upload"),
        **fields,
    )


# model → callable(workspace) → a row owned by that workspace (used by the route walk)
TENANT_FACTORIES = {MediaAsset: make_asset}
