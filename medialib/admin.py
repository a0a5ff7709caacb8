"""Staff console for the media library: rows are evidence of stored objects,
so they are read-only; deleting one deletes its object too."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from medialib.models import MediaAsset
from nexusone import storage
from nexusone.admin import WorkspaceOwnedAdmin


@admin.register(MediaAsset)
class MediaAssetAdmin(WorkspaceOwnedAdmin):
    list_display = ("id", "workspace", "name", "bucket", "kind", "size", "source", "created_at", "expires_at")
    list_filter = ("bucket", "kind", "source", "created_at")
    search_fields = ("name", "key", "workspace__name", "workspace__slug")
    readonly_fields = (
        "workspace",
        "bucket",
        "key",
        "name",
        "content_type",
        "kind",
        "size",
        "source",
        "width",
        "height",
        "duration_seconds",
        "created_by",
        "expires_at",
        "metadata",
        "created_at",
        "updated_at",
        "link",
    )
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description="file")
    def link(self, obj):
        # Staff are not members of every workspace: a short provider-style link, for support.
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', storage.provider_url(obj), obj.name)

    def delete_model(self, request, obj):
        storage.delete(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            storage.delete(obj)
