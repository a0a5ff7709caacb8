"""What the video pipeline needs from its providers, in our own terms.

`VideoProviderError` carries a stable `code` shown on the job, the provider's
own description, the HTTP status and whether trying again later could help.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from nexusone.errors import ProviderError

# Our error codes → the message a user sees on the job (the provider's text is kept in details).
ERROR_MESSAGES = {
    "provider_auth_failed": _("The provider refused the API key. Check the key in the workspace's integrations."),
    "provider_quota_exceeded": _("The provider account has no credits or characters left."),
    "provider_rate_limited": _("The provider is busy (too many requests). Try again in a few minutes."),
    "provider_unavailable": _("The provider is unavailable right now. Try again later."),
    "provider_rejected_input": _("The provider could not use this script, voice or portrait."),
    "content_rejected": _("The provider's content moderation refused this video."),
    "provider_not_found": _("The provider no longer knows this job."),
    "provider_failed": _("The provider could not make this video."),
    "deadline_exceeded": _("The video took too long and was stopped."),
    "download_failed": _("The finished video could not be downloaded from the provider."),
    "render_failed": _("The video could not be rendered."),
    "canceled": _("The video was canceled."),
}


class VideoProviderError(ProviderError):
    def __init__(
        self, code: str, *, provider: str, status: int | None = None, description: str = "", retryable: bool = False
    ):
        super().__init__(
            ERROR_MESSAGES.get(code, ERROR_MESSAGES["provider_failed"]),
            code=code,
            details={"provider": provider, "status": status, "description": description[:500]},
        )
        self.provider = provider
        self.status = status
        self.description = description
        self.retryable = retryable


def code_for_status(status: int) -> tuple[str, bool]:
    """A provider's HTTP status → (our code, retryable)."""
    if status in (401, 403):
        return "provider_auth_failed", False
    if status == 402:
        return "provider_quota_exceeded", False
    if status == 404:
        return "provider_not_found", False
    if status == 429:
        return "provider_rate_limited", True
    if status == 451:
        return "content_rejected", False
    if status >= 500:
        return "provider_unavailable", True
    return "provider_rejected_input", False


@dataclass(frozen=True)
class Voice:
    voice_id: str
    name: str
    category: str = ""
    preview_url: str = ""
    labels: dict = field(default_factory=dict)
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Speech:
    audio: bytes
    content_type: str
    extension: str
    model_id: str
    request_id: str = ""
    characters: int = 0


@dataclass(frozen=True)
class Talk:
    id: str
    status: str  # created | started | done | error | rejected
    result_url: str = ""
    duration: float | None = None
    error_kind: str = ""
    error_description: str = ""

    @property
    def finished(self) -> bool:
        return self.status in ("done", "error", "rejected")
