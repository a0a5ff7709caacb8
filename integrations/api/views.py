"""The integrations API: thin views over `integrations.services`. Reading is
open to every member role; connecting, changing, checking and disconnecting
need an admin or the owner."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from integrations import oauth, selectors, services
from integrations.api import serializers as s
from integrations.registry import PROVIDERS
from nexusone.api.viewsets import ScopedAPIView

PROVIDER_PARAM = OpenApiParameter(
    "provider", str, OpenApiParameter.PATH, enum=list(PROVIDERS), description="The provider's key."
)
# Reads: every member role; writes: admins and the owner (integrations/permissions.py).
RULES = {
    "get": "integrations.view",
    "put": "integrations.manage",
    "patch": "integrations.manage",
    "delete": "integrations.manage",
    "post": "integrations.manage",
}


class IntegrationListView(ScopedAPIView):
    permissions = RULES

    @extend_schema(responses={200: s.IntegrationOutput(many=True)}, tags=["integrations"])
    def get(self, request):
        """Every provider with its connection state — never a secret."""
        return Response(s.IntegrationOutput(selectors.provider_states(), many=True).data)


class IntegrationDetailView(ScopedAPIView):
    permissions = RULES
    url_constants = {"provider": "openai"}  # the route walk's stand-in value (not a row id)

    @extend_schema(parameters=[PROVIDER_PARAM], responses={200: s.IntegrationOutput}, tags=["integrations"])
    def get(self, request, provider: str):
        return Response(s.IntegrationOutput(selectors.provider_state(provider)).data)

    @extend_schema(
        parameters=[PROVIDER_PARAM],
        request=s.IntegrationKeyInput,
        responses={200: s.IntegrationOutput, 400: OpenApiResponse(description="invalid_credentials")},
        tags=["integrations"],
    )
    def put(self, request, provider: str):
        """Connect an API-key provider: the key is verified with one cheap live
        call first; a refused key answers 400 `invalid_credentials` and nothing is stored."""
        data = s.IntegrationKeyInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.connection_put_api_key(
            workspace=request.workspace,
            provider=provider,
            api_key=data.validated_data["api_key"],
            user=request.user,
            request=request,
        )
        return Response(s.IntegrationOutput(selectors.provider_state(provider)).data)

    @extend_schema(
        parameters=[PROVIDER_PARAM],
        request=s.IntegrationSettingsInput,
        responses={200: s.IntegrationOutput},
        tags=["integrations"],
    )
    def patch(self, request, provider: str):
        """Pick defaults (e.g. `ad_account_id`, `page_id`) among the connection's assets."""
        data = s.IntegrationSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.connection_update_settings(
            connection=selectors.connection_get(provider),
            settings=data.validated_data["settings"],
            user=request.user,
            request=request,
        )
        return Response(s.IntegrationOutput(selectors.provider_state(provider)).data)

    @extend_schema(parameters=[PROVIDER_PARAM], responses={204: None}, tags=["integrations"])
    def delete(self, request, provider: str):
        """Disconnect: revoke at the provider where it can, delete every secret."""
        services.connection_disconnect(
            connection=selectors.connection_get(provider), user=request.user, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class IntegrationCheckView(ScopedAPIView):
    permissions = RULES
    url_constants = {"provider": "openai"}

    @extend_schema(
        parameters=[PROVIDER_PARAM], request=None, responses={200: s.IntegrationOutput}, tags=["integrations"]
    )
    def post(self, request, provider: str):
        """Check the connection now with a cheap live call."""
        services.connection_check(connection=selectors.connection_get(provider), user=request.user, request=request)
        return Response(s.IntegrationOutput(selectors.provider_state(provider)).data)


class IntegrationAssetsView(ScopedAPIView):
    permissions = RULES
    url_constants = {"provider": "openai"}

    @extend_schema(parameters=[PROVIDER_PARAM], responses={200: s.IntegrationAssetsOutput}, tags=["integrations"])
    def get(self, request, provider: str):
        """What the connection reaches: ad accounts (with currency), Pages,
        Instagram accounts, TikTok advertisers, the Shopify shop, voices, models."""
        connection = selectors.provider_state(provider).connection  # not connected: nothing reached
        return Response(
            s.IntegrationAssetsOutput(
                {
                    "provider": provider,
                    "synced_at": connection.assets_synced_at if connection else None,
                    "assets": (connection.assets or {}) if connection else {},
                }
            ).data
        )


class IntegrationConnectView(ScopedAPIView):
    permissions = {"post": "integrations.oauth.connect"}
    url_constants = {"provider": "meta"}

    @extend_schema(
        parameters=[OpenApiParameter("provider", str, OpenApiParameter.PATH, enum=["meta", "shopify", "tiktok"])],
        request=s.IntegrationConnectInput,
        responses={
            200: s.IntegrationAuthorizeOutput,
            400: OpenApiResponse(description="provider_not_configured, invalid_shop"),
        },
        tags=["integrations"],
    )
    def post(self, request, provider: str):
        """Start an OAuth connection: send the browser to `authorize_url`; it
        comes back to `/integrations/callback/{provider}/` within 10 minutes.
        Shopify needs the `shop` (`my-store` or `my-store.myshopify.com`)."""
        data = s.IntegrationConnectInput(data=request.data)
        data.is_valid(raise_exception=True)
        url = oauth.connect_start(
            workspace=request.workspace,
            user=request.user,
            provider=provider,
            shop=data.validated_data.get("shop", ""),
            request=request,
        )
        return Response({"authorize_url": url})
