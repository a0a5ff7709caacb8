from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from accounts.models import ApiKey, Invitation, Membership, User, Workspace
from nexusone.admin import WorkspaceOwnedAdmin, staff_action


class MembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ("-date_joined",)
    list_display = ("email", "name", "preferred_language", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "preferred_language")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "preferred_language", "timezone")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Workspace)
class WorkspaceAdmin(ModelAdmin):
    list_display = ("name", "slug", "owner", "is_personal", "is_suspended", "created_at")
    list_filter = ("is_personal", "is_suspended", "created_at")
    search_fields = ("name", "slug", "owner__email")
    autocomplete_fields = ("owner",)
    inlines = (MembershipInline,)
    actions = ("suspend", "unsuspend")

    @staff_action("accounts.workspace.suspend", description="Suspend selected workspaces")
    def suspend(self, request, queryset):
        from accounts.services import workspace_set_suspended

        for workspace in queryset:
            workspace_set_suspended(workspace=workspace, suspended=True, actor=request.user, request=request)

    @staff_action("accounts.workspace.suspend", description="Lift the suspension of selected workspaces")
    def unsuspend(self, request, queryset):
        from accounts.services import workspace_set_suspended

        for workspace in queryset:
            workspace_set_suspended(workspace=workspace, suspended=False, actor=request.user, request=request)


@admin.register(Membership)
class MembershipAdmin(ModelAdmin):
    list_display = ("user", "workspace", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "workspace__name", "workspace__slug")
    list_select_related = ("user", "workspace")
    autocomplete_fields = ("user", "workspace")


@admin.register(Invitation)
class InvitationAdmin(WorkspaceOwnedAdmin):
    list_display = ("email", "workspace", "role", "status", "expires_at", "created_at")
    list_filter = ("status", "role")
    search_fields = ("email", "workspace__name")
    readonly_fields = ("token_hash", "accepted_by", "accepted_at")


@admin.register(ApiKey)
class ApiKeyAdmin(WorkspaceOwnedAdmin):
    list_display = ("name", "prefix", "workspace", "role", "created_by", "last_used_at", "revoked_at")
    list_filter = ("role", "revoked_at")
    search_fields = ("name", "prefix", "workspace__name", "created_by__email")
    readonly_fields = ("prefix", "key_hash", "created_by", "last_used_at")

    def has_add_permission(self, request):
        return False  # keys are created by members, so their secret is shown only to them
