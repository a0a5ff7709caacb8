"""Input and output of the integrations API. Outputs never carry a secret:
at most `secret_hint` (the last 4 characters)."""

from __future__ import annotations

from rest_framework import serializers

from integrations.models import Kind, Status


class IntegrationOutput(serializers.Serializer):
    provider = serializers.CharField()
    name = serializers.CharField(source="spec.label")
    kind = serializers.ChoiceField(choices=Kind.choices, source="spec.kind")
    description = serializers.CharField(source="spec.description")
    configured = serializers.BooleanField(source="spec.is_configured")
    connected = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=[*Status.choices, ("not_connected", "not_connected")])
    uses_platform_key = serializers.BooleanField()
    account_id = serializers.CharField(source="connection.account_id", default="")
    account_name = serializers.CharField(source="connection.account_name", default="")
    secret_hint = serializers.CharField(source="connection.secret_hint", default="")
    scopes = serializers.ListField(child=serializers.CharField(), source="connection.scopes", default=list)
    expires_at = serializers.DateTimeField(source="connection.expires_at", default=None, allow_null=True)
    connected_at = serializers.DateTimeField(source="connection.connected_at", default=None, allow_null=True)
    last_checked_at = serializers.DateTimeField(source="connection.last_checked_at", default=None, allow_null=True)
    last_refreshed_at = serializers.DateTimeField(source="connection.last_refreshed_at", default=None, allow_null=True)
    last_error = serializers.CharField(source="connection.last_error", default="")
    settings = serializers.DictField(source="connection.settings", default=dict)

    def get_connected(self, state) -> bool:
        return state.connection is not None and state.connection.status == Status.CONNECTED


class IntegrationKeyInput(serializers.Serializer):
    api_key = serializers.CharField(max_length=4096, trim_whitespace=True, write_only=True)


class IntegrationSlackInput(serializers.Serializer):
    webhook_url = serializers.CharField(max_length=500, trim_whitespace=True, write_only=True)


class IntegrationSettingsInput(serializers.Serializer):
    settings = serializers.DictField(child=serializers.CharField(allow_null=True, allow_blank=True, max_length=255))


class IntegrationAssetsOutput(serializers.Serializer):
    provider = serializers.CharField()
    synced_at = serializers.DateTimeField(allow_null=True)
    assets = serializers.DictField()


class IntegrationConnectInput(serializers.Serializer):
    shop = serializers.CharField(max_length=255, required=False, allow_blank=True)


class IntegrationAuthorizeOutput(serializers.Serializer):
    authorize_url = serializers.URLField()
