"""`{{ asset|public_url }}` for public-bucket files; `{% member_url asset %}` for any file
(signed for private ones, members only)."""

from __future__ import annotations

from django import template

from nexusone import storage

register = template.Library()


@register.filter
def public_url(asset) -> str:
    if asset is None or not storage.is_public(asset.bucket):
        return ""
    return storage.public_url(asset)


@register.simple_tag(takes_context=True)
def member_url(context, asset) -> str:
    """The link the signed-in member may open (public URL, or a signed one for private files)."""
    if asset is None:
        return ""
    return storage.url(asset, user=context["request"].user)


@register.filter
def filesize(size) -> str:
    size = float(size or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""
