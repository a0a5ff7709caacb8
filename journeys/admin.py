"""Staff console for journeys: every workspace's journeys (pause), their
enrollments, step runs and the credits of their sends, read-only."""

from __future__ import annotations

from django.contrib import admin

from journeys.models import Enrollment, Journey, SendCharge, StepRun
from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin
from nexusone.permissions import require_staff
from nexusone.tenancy import workspace_scope


@admin.register(Journey)
class JourneyAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "name",
        "workspace",
        "status",
        "count_entered",
        "count_completed",
        "count_exited",
        "activated_at",
        "created_at",
    )
    list_filter = ("status", "created_at")
    search_fields = ("name", "workspace__name")
    readonly_fields = [f.name for f in Journey._meta.fields]
    actions = ("pause",)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Pause")
    def pause(self, request, queryset):
        from journeys.services import journey_pause

        require_staff(request.user, "journeys.admin.pause")
        for journey in queryset.filter(status=Journey.Status.ACTIVE).select_related("workspace"):
            with workspace_scope(journey.workspace):
                journey_pause(journey=journey, user=request.user)


@admin.register(Enrollment)
class EnrollmentAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("id", "journey", "contact_id", "status", "step_id", "due_at", "exit_reason", "workspace")
    list_filter = ("status",)
    search_fields = ("journey__name",)
    list_select_related = ("workspace", "journey")
    show_full_result_count = False


@admin.register(StepRun)
class StepRunAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("id", "journey_id", "enrollment_id", "step_id", "outcome", "detail", "created_at", "workspace")
    list_filter = ("outcome",)
    list_select_related = ("workspace",)
    show_full_result_count = False


@admin.register(SendCharge)
class SendChargeAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = (
        "id",
        "journey_id",
        "step_id",
        "channel",
        "recipients",
        "units",
        "credits_refunded",
        "settled_at",
        "created_at",
        "workspace",
    )
    list_filter = ("channel", "settled_at")
    list_select_related = ("workspace",)
    show_full_result_count = False
