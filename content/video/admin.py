"""Staff console for videos: provider ids, stage and errors, and the two
support actions — retry a failed job, refund a job — through the services
(each audited; the charge door keeps refunds to one)."""

from __future__ import annotations

from django.contrib import admin, messages

from content.video import services
from content.video.models import VideoProject
from nexusone.admin import WorkspaceOwnedAdmin, staff_action
from nexusone.errors import ApplicationError
from nexusone.tenancy import workspace_scope


@admin.register(VideoProject)
class VideoProjectAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "id",
        "workspace",
        "title",
        "language",
        "status",
        "stage",
        "progress",
        "provider",
        "talk_id",
        "error_code",
        "credits_charged",
        "created_at",
    )
    list_filter = ("status", "stage", "provider", "language", "error_code", "created_at")
    search_fields = ("title", "talk_id", "workspace__name", "workspace__slug", "error_message")
    readonly_fields = [f.name for f in VideoProject._meta.fields if f.name != "id"]
    list_select_related = ("workspace",)
    date_hierarchy = "created_at"
    actions = ["retry_videos", "refund_videos"]

    def has_add_permission(self, request):
        return False  # videos are made (and charged) through the API and the studio only

    def has_delete_permission(self, request, obj=None):
        return False  # deleting runs the service (files, refund): members do it from the studio

    def _each(self, request, queryset, action) -> tuple[int, list[str]]:
        done, problems = 0, []
        for project in queryset.select_related("workspace", "created_by"):
            with workspace_scope(project.workspace):
                try:
                    done += bool(action(project=project, user=request.user, request=request))
                except ApplicationError as exc:
                    problems.append(f"#{project.pk}: {exc.message}")
        return done, problems

    @staff_action("content.admin.video_retry", description="Retry selected failed videos (charges the workspace again)")
    def retry_videos(self, request, queryset):
        done, problems = self._each(request, queryset, services.video_project_retry)
        self.message_user(request, f"{done} video(s) queued again.")
        for problem in problems:
            self.message_user(request, problem, level=messages.WARNING)

    @staff_action("content.admin.video_refund", description="Refund selected videos (once each)")
    def refund_videos(self, request, queryset):
        done, problems = self._each(request, queryset, services.video_project_refund)
        self.message_user(request, f"{done} video(s) refunded.")
        for problem in problems:
            self.message_user(request, problem, level=messages.WARNING)
