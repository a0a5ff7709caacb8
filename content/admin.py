"""Staff console for the content studio. Generated rows are evidence of what
was charged, so charge and provider fields are read-only; prompt templates
live in versioned files (content/prompts/) and are shown read-only from the
generations list ("Prompt templates")."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from content.gateway.prompts import PROMPT_VERSION, available_templates
from content.landing_services import landing_page_unpublish
from content.models import Generation, IdeaBatch, LandingPage, LandingPageSubmission
from nexusone.admin import WorkspaceOwnedAdmin, staff_action

AI_READONLY = (
    "workspace", "created_by", "provider", "model", "prompt_version", "prompt_tokens", "completion_tokens",
    "finish_reason", "credits_charged", "charge_id", "idempotency_key", "created_at", "updated_at",
)  # fmt: skip


@admin.register(Generation)
class GenerationAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "id",
        "workspace",
        "type",
        "language",
        "tone",
        "length",
        "provider",
        "credits_charged",
        "created_at",
    )
    list_filter = ("type", "language", "tone", "length", "provider", "created_at")
    search_fields = ("prompt", "text", "workspace__name", "workspace__slug")
    readonly_fields = (*AI_READONLY, "type", "language", "tone", "length", "prompt", "edited_at")
    list_select_related = ("workspace",)
    date_hierarchy = "created_at"
    change_list_template = "admin/content/generation/change_list.html"

    def has_add_permission(self, request):
        return False  # generations are made (and charged) through the gateway only

    def get_urls(self):
        view = self.admin_site.admin_view(self.prompt_templates_view)
        return [path("prompt-templates/", view, name="content_prompt_templates"), *super().get_urls()]

    def prompt_templates_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "title": f"Prompt templates ({PROMPT_VERSION})",
            "templates": available_templates(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/content/prompt_templates.html", context)


@admin.register(IdeaBatch)
class IdeaBatchAdmin(WorkspaceOwnedAdmin):
    list_display = ("id", "workspace", "niche", "budget", "language", "provider", "credits_charged", "created_at")
    list_filter = ("language", "provider", "created_at")
    search_fields = ("niche", "workspace__name", "workspace__slug")
    readonly_fields = (*AI_READONLY, "niche", "budget", "language")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False


class SubmissionInline(admin.TabularInline):
    model = LandingPageSubmission
    fields = ("created_at", "name", "email", "phone", "crm_contact_id")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0
    show_change_link = True

    def get_queryset(self, request):
        return LandingPageSubmission.unscoped.order_by("-created_at")


@admin.register(LandingPage)
class LandingPageAdmin(WorkspaceOwnedAdmin):
    list_display = ("id", "workspace", "title", "language", "theme", "status", "views", "conversions", "created_at")
    list_filter = ("status", "language", "theme", "goal", "provider", "created_at")
    search_fields = ("title", "slug", "industry", "workspace__name", "workspace__slug")
    readonly_fields = (
        *AI_READONLY,
        "slug",
        "views",
        "conversions",
        "published_at",
        "hero_image",
        "hero_image_type",
        "chat_agent",
    )
    inlines = [SubmissionInline]
    actions = ["unpublish_pages"]

    def has_add_permission(self, request):
        return False

    @staff_action("content.admin.page_unpublish", description="Unpublish selected pages (take them offline)")
    def unpublish_pages(self, request, queryset):
        # Staff moderation (e.g. abuse reports): through the service, so each one is audited.
        pages = list(queryset.select_related("workspace").filter(status=LandingPage.Status.PUBLISHED))
        for page in pages:
            landing_page_unpublish(page=page, actor=request.user, request=request)
        self.message_user(request, f"{len(pages)} page(s) unpublished.")


@admin.register(LandingPageSubmission)
class LandingPageSubmissionAdmin(WorkspaceOwnedAdmin):
    list_display = ("id", "workspace", "page", "name", "email", "crm_contact_id", "created_at")
    list_filter = ("language", "created_at")
    search_fields = ("name", "email", "phone", "page__title", "workspace__name")
    readonly_fields = (
        "workspace", "page", "fingerprint", "name", "email", "phone", "message", "language", "crm_contact_id",
        "created_at", "updated_at",
    )  # fmt: skip
    list_select_related = ("workspace", "page")

    def has_add_permission(self, request):
        return False


from content.video import admin as video_admin  # noqa: E402, F401  (videos in the staff console)
