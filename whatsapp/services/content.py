"""Message content: the API's message object → the Cloud API's.

The API accepts `{"type": "text", "text": {"body"}}`, `{"type": "template",
"template": {"name", "language": {"code"}, "components"?}}` and `{"type":
"media", "media": {"type": image|video|document|audio, "link" | "id",
"caption"?, "filename"?}}` (validated by the input serializers); the Cloud API
wants the media type itself as `type`.
"""

from __future__ import annotations

from typing import Any

MEDIA_TYPES = ("image", "video", "document", "audio")


def cloud_content(spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec.get("type")
    if kind == "text":
        text = spec.get("text") or {}
        return {"type": "text", "text": {"body": text.get("body", ""), "preview_url": bool(text.get("preview_url"))}}
    if kind == "template":
        template = spec.get("template") or {}
        body: dict[str, Any] = {
            "name": template.get("name", ""),
            "language": {"code": (template.get("language") or {}).get("code", "")},
        }
        if template.get("components"):
            body["components"] = template["components"]
        return {"type": "template", "template": body}
    if kind == "media":
        media = dict(spec.get("media") or {})
        media_type = media.pop("type", "image")
        allowed = {"link", "id", "caption", "filename"}
        return {"type": media_type, media_type: {k: v for k, v in media.items() if k in allowed and v}}
    raise ValueError(f"unknown message type {kind!r}")


def summary(spec: dict[str, Any]) -> str:
    """A short human text for lists and the inbox."""
    kind = spec.get("type")
    if kind == "text":
        return str((spec.get("text") or {}).get("body", ""))[:200]
    if kind == "template":
        template = spec.get("template") or {}
        return f"[{template.get('name', '')} · {(template.get('language') or {}).get('code', '')}]"
    if kind == "media":
        media = spec.get("media") or {}
        return f"[{media.get('type', 'media')}] {media.get('caption', '')}".strip()
    return ""


def needs_open_window(spec: dict[str, Any]) -> bool:
    """Only templates may be sent outside the 24-hour customer service window."""
    return spec.get("type") != "template"
