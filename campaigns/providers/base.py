"""The ads-provider interface the campaign services speak to.

Meta (`campaigns.providers.meta`) is the first implementation; the offline
one (`campaigns.providers.offline`) serves when the platform has no Meta app
configured. TikTok comes later behind the same methods.

Every create method makes exactly one object and returns its id; the caller
records it before asking for the next one, so a retried launch resumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from nexusone.errors import ApplicationError, ProviderError


@dataclass(frozen=True)
class InsightRow:
    ad_id: str
    date: date
    impressions: int = 0
    reach: int = 0
    clicks: int = 0
    spend: Decimal = Decimal(0)
    frequency: Decimal = Decimal(0)
    conversions: int = 0
    conversion_value: Decimal = Decimal(0)


@dataclass(frozen=True)
class ReportStatus:
    """Where an asynchronous insights report stands.

    `state` is ours: running | completed | failed | skipped; `provider_status`
    is the provider's own word (Meta's `async_status`, e.g. "Job Running")."""

    state: str
    percent: int = 0
    provider_status: str = ""
    error: str = ""


@dataclass(frozen=True)
class AdStatus:
    ad_id: str
    effective_status: str  # ACTIVE, PAUSED, DISAPPROVED, PENDING_REVIEW, WITH_ISSUES, …
    feedback: str = ""


@dataclass
class Published:
    id: str
    extra: dict[str, Any] = field(default_factory=dict)


class AdsProvider(Protocol):
    name: str  # "meta" | "offline"
    currency: str  # the ad account's currency ("" = any)
    offline: bool

    def create_campaign(self, campaign) -> str: ...

    def create_adset(self, campaign, *, state: dict) -> str: ...

    def prepare_image(self, campaign, *, state: dict) -> None: ...

    def create_creative(self, campaign, variant, *, state: dict) -> str: ...

    def create_ad(self, campaign, variant) -> str: ...

    def set_status(self, object_id: str, status: str) -> None: ...

    # Insights are asked for as an asynchronous report: start it, poll it, read its rows.
    def insights_start(self, campaign, *, since: date, until: date) -> str: ...

    def insights_status(self, report_run_id: str) -> ReportStatus: ...

    def insights_rows(self, campaign, report_run_id: str, *, since: date, until: date) -> list[InsightRow]: ...

    def ad_statuses(self, campaign) -> list[AdStatus]: ...

    def publish_post(self, post) -> Published: ...


class IntegrationRequired(ApplicationError):
    """400: the workspace must connect Meta (or pick an ad account / Page) first."""

    status_code = 400
    code = "integration_required"
    default_message = _("Connect your Meta account first.")


class AdsError(ProviderError):
    """The provider refused a call. `message` is for the user (Meta's
    `error_user_msg` when it gives one)."""

    code = "ads_provider_error"

    def __init__(self, message: Any = None, *, provider_code: int | None = None, subcode: int | None = None, **kw):
        details = {"provider_code": provider_code, "provider_subcode": subcode, **(kw.pop("details", None) or {})}
        super().__init__(message, details={k: v for k, v in details.items() if v is not None}, **kw)
        self.provider_code = provider_code
        self.subcode = subcode


class AdsThrottled(AdsError):
    """Rate limited (Meta 4/17/613/80000–80014): retry after `retry_after` seconds."""

    status_code = 429
    code = "ads_rate_limited"

    def __init__(self, message: Any = None, *, retry_after: float = 60.0, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.details["retry_after"] = int(retry_after)


class AdsAuthExpired(AdsError):
    """The token was refused (Meta 190): the connection is now `expired`."""

    status_code = 400
    code = "integration_expired"
