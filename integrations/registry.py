"""What each provider is: how it connects (API key, OAuth, webhook URL), which
settings make it available, and where the platform's own key lives.

A provider whose app credentials are missing is "not configured": its card
shows no Connect button and its connect call answers 400
`provider_not_configured`. API-key providers are always configurable (the
workspace brings the key); some also have a platform key that serves
workspaces without their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from integrations.models import Kind, Provider


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    label: str
    kind: str
    description: Promise
    platform_key_setting: str = ""  # settings attribute with the platform's own key
    required_settings: tuple[str, ...] = ()  # app credentials an OAuth provider needs

    @property
    def is_configured(self) -> bool:
        return all(getattr(settings, name, "") for name in self.required_settings)

    @property
    def platform_key(self) -> str:
        return getattr(settings, self.platform_key_setting, "") if self.platform_key_setting else ""

    @property
    def missing_settings(self) -> list[str]:
        return [name for name in self.required_settings if not getattr(settings, name, "")]


PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            Provider.OPENAI,
            "OpenAI",
            Kind.API_KEY,
            _("AI text for content, landing pages and agents, billed to your own OpenAI account."),
            platform_key_setting="OPENAI_API_KEY",
        ),
        ProviderSpec(
            Provider.ELEVENLABS,
            "ElevenLabs",
            Kind.API_KEY,
            _("Voices for video voiceovers."),
            platform_key_setting="ELEVENLABS_API_KEY",
        ),
        ProviderSpec(
            Provider.DID,
            "D-ID",
            Kind.API_KEY,
            _("Talking avatar videos."),
            platform_key_setting="DID_API_KEY",
        ),
        ProviderSpec(
            Provider.CJ_DROPSHIPPING,
            "CJ Dropshipping",
            Kind.API_KEY,
            _("Product sourcing, stock and orders from CJ."),
        ),
        ProviderSpec(
            Provider.META,
            "Meta",
            Kind.OAUTH,
            _("Facebook and Instagram ads: ad accounts, Pages and Instagram accounts."),
            required_settings=("META_APP_ID", "META_APP_SECRET"),
        ),
        ProviderSpec(
            Provider.SHOPIFY,
            "Shopify",
            Kind.OAUTH,
            _("Your Shopify store: products, stock and orders."),
            required_settings=("SHOPIFY_API_KEY", "SHOPIFY_API_SECRET"),
        ),
        ProviderSpec(
            Provider.TIKTOK,
            "TikTok",
            Kind.OAUTH,
            _("TikTok ads: the advertiser accounts you authorize."),
            required_settings=("TIKTOK_BUSINESS_APP_ID", "TIKTOK_BUSINESS_SECRET"),
        ),
        ProviderSpec(
            Provider.SLACK,
            "Slack",
            Kind.WEBHOOK,
            _("Notifications in a Slack channel (incoming webhook)."),
        ),
    )
}

KEY_PROVIDERS = tuple(name for name, spec in PROVIDERS.items() if spec.kind == Kind.API_KEY)
OAUTH_PROVIDERS = tuple(name for name, spec in PROVIDERS.items() if spec.kind == Kind.OAUTH)


def spec_for(provider: str) -> ProviderSpec:
    return PROVIDERS[provider]
