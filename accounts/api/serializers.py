from django.conf import settings
from rest_framework import serializers

from accounts.models import TIMEZONE_CHOICES, ApiKey, Invitation, Membership, Role, User, Workspace
from nexusone.audit import AuditEntry

LANGUAGE_CHOICES = settings.LANGUAGES


# --- Auth ---------------------------------------------------------------


class RegisterInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=256, write_only=True, trim_whitespace=False)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    preferred_language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, default="")


class LoginInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


# --- Users and workspaces -------------------------------------------------


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "preferred_language", "timezone", "date_joined"]


class ProfileInput(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    timezone = serializers.ChoiceField(choices=TIMEZONE_CHOICES, required=False)


class WorkspaceOutput(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    logo_url = serializers.CharField(read_only=True)

    class Meta:
        model = Workspace
        fields = [
            "id",
            "name",
            "slug",
            "is_personal",
            "role",
            "default_region",
            "timezone",
            "default_language",
            "currency",
            "brand_color",
            "logo_url",
            "created_at",
        ]

    def get_role(self, workspace) -> str | None:
        roles = self.context.get("roles") or {}
        return roles.get(workspace.pk)


class RegisterOutput(serializers.Serializer):
    user = UserOutput()
    workspace = WorkspaceOutput()
    access = serializers.CharField()
    refresh = serializers.CharField()


class WorkspaceInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)


class WorkspaceSettingsInput(serializers.Serializer):
    """Any of the workspace's settings; the service validates the values."""

    name = serializers.CharField(max_length=120, required=False)
    default_region = serializers.CharField(max_length=2, required=False, help_text="ISO 3166 country code, e.g. PT")
    timezone = serializers.CharField(max_length=64, required=False, help_text="IANA name, e.g. Europe/Lisbon")
    default_language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217 code, e.g. EUR")
    brand_color = serializers.CharField(max_length=7, required=False, allow_blank=True, help_text="#rrggbb")


class OnboardingStepOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    hint = serializers.CharField()
    url = serializers.CharField()
    done = serializers.BooleanField()


class OnboardingOutput(serializers.Serializer):
    steps = OnboardingStepOutput(many=True)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    dismissed = serializers.BooleanField()


class MembershipOutput(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]

    def get_user(self, membership) -> dict:
        return {"id": membership.user_id, "email": membership.user.email, "name": membership.user.name}


class MembershipRoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MeOutput(serializers.Serializer):
    user = UserOutput()
    memberships = serializers.ListField(child=serializers.DictField())
    workspace = WorkspaceOutput()
    plan = serializers.CharField()
    credits = serializers.IntegerField()


# --- Invitations and API keys --------------------------------------------


class InvitationInput(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class InvitationOutput(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "expires_at", "created_at"]


class InvitationCreatedOutput(InvitationOutput):
    accept_url = serializers.CharField(read_only=True)

    class Meta(InvitationOutput.Meta):
        fields = [*InvitationOutput.Meta.fields, "accept_url"]


class InvitationAcceptInput(serializers.Serializer):
    token = serializers.CharField(max_length=128)


class ApiKeyInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class ApiKeyOutput(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "role", "created_at", "last_used_at", "revoked_at"]


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.CharField(read_only=True, help_text="The secret. Shown only in this response.")

    class Meta(ApiKeyOutput.Meta):
        fields = [*ApiKeyOutput.Meta.fields, "key"]


class AuditEntryOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor_type",
            "actor",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "metadata",
            "ip_address",
        ]
