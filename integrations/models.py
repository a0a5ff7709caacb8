"""The vault: one row per (workspace, provider) holding that workspace's
credentials for the provider — encrypted with `nexusone.crypto` and bound to
the workspace — plus what the connection reaches and the workspace's picks.

Only `integrations.services` writes these rows and only `integrations.vault`
hands secrets out; nothing else in the project stores a third-party secret
(the WhatsApp number tokens are the documented exception, see
docs/architecture.md).
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nexusone.crypto import EncryptedTextField
from nexusone.tenancy import WorkspaceOwned


class Provider(models.TextChoices):
    OPENAI = "openai", "OpenAI"
    ELEVENLABS = "elevenlabs", "ElevenLabs"
    DID = "did", "D-ID"
    CJ_DROPSHIPPING = "cj_dropshipping", "CJ Dropshipping"
    META = "meta", "Meta"
    SHOPIFY = "shopify", "Shopify"
    TIKTOK = "tiktok", "TikTok"
    SLACK = "slack", "Slack"


class Kind(models.TextChoices):
    API_KEY = "api_key", _("API key")
    OAUTH = "oauth", _("OAuth")
    WEBHOOK = "webhook", _("Webhook URL")


class Status(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    EXPIRED = "expired", _("Expired")
    ERROR = "error", _("Error")
    REVOKED = "revoked", _("Revoked")


class Connection(WorkspaceOwned):
    provider = models.CharField(_("provider"), max_length=32, choices=Provider.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CONNECTED)
    # Secrets (ciphertext bound to this workspace): the API key / webhook URL the
    # user gave, and the tokens a provider issued (OAuth, CJ's access tokens).
    api_key = EncryptedTextField(_("API key"))
    access_token = EncryptedTextField(_("access token"))
    refresh_token = EncryptedTextField(_("refresh token"))
    secret_last4 = models.CharField(max_length=4, blank=True)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    account_id = models.CharField(_("account ID"), max_length=255, blank=True)
    account_name = models.CharField(_("account name"), max_length=255, blank=True)
    expires_at = models.DateTimeField(_("access expires at"), null=True, blank=True)
    refresh_expires_at = models.DateTimeField(_("refresh expires at"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked at"), null=True, blank=True)
    last_refreshed_at = models.DateTimeField(_("last refreshed at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # What the connection reaches (ad accounts, Pages, voices…) — never a secret —
    # and the workspace's defaults picked among them (e.g. ad_account_id).
    assets = models.JSONField(_("assets"), default=dict, blank=True)
    assets_synced_at = models.DateTimeField(null=True, blank=True)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    connected_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    connected_at = models.DateTimeField(_("connected at"), null=True, blank=True)
    # Admins are told once per loss of access; cleared when it works again.
    problem_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "provider"], name="integrations_one_connection_per_provider"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="integrations_expiry_idx")]
        verbose_name = _("connection")
        verbose_name_plural = _("connections")

    def __str__(self) -> str:
        return f"{self.get_provider_display()} ({self.account_name or self.account_id or self.get_status_display()})"

    @property
    def secret_hint(self) -> str:
        return f"…{self.secret_last4}" if self.secret_last4 else ""


class OAuthState(WorkspaceOwned):
    """A pending OAuth authorization: random, single-use, bound to the user,
    the workspace and the provider, valid for 10 minutes. Only its SHA-256
    is stored: the state itself travels through the browser."""

    state_hash = models.CharField(max_length=64, unique=True)
    provider = models.CharField(max_length=32, choices=Provider.choices)
    user = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shop = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("OAuth state")
        verbose_name_plural = _("OAuth states")

    def __str__(self) -> str:
        return f"{self.provider} state for {self.user_id}"
