"""Which ads provider serves a workspace (see `base.py` for the interface).

- The platform has no Meta app (`META_APP_ID` empty, as on `make run`): the
  offline provider, and the pages and API say so.
- Otherwise the workspace's `meta` connection: its long-lived user token and
  the ad account and Page picked in its settings. Without a connection, or
  without those picks, `IntegrationRequired` (400 `integration_required`)
  names what is missing, before anything is created.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from campaigns.providers.base import (
    AdsAuthExpired,
    AdsError,
    AdsProvider,
    AdStatus,
    AdsThrottled,
    InsightRow,
    IntegrationRequired,
    Published,
    ReportStatus,
)
from campaigns.providers.offline import OfflineAds

__all__ = [
    "AdStatus",
    "AdsAuthExpired",
    "AdsError",
    "AdsProvider",
    "AdsThrottled",
    "InsightRow",
    "IntegrationRequired",
    "OfflineAds",
    "Published",
    "ReportStatus",
    "meta_configured",
    "provider_for",
]


def meta_configured() -> bool:
    return bool(settings.META_APP_ID)


def provider_for(workspace, *, need_page: bool = True, need: tuple[str, ...] = ()) -> AdsProvider:
    """The provider for `workspace`, or `IntegrationRequired` naming what is missing.
    `need` lists further settings the caller requires (e.g. `pixel_id`)."""
    if not meta_configured():
        return OfflineAds(workspace=workspace)
    from campaigns.providers.meta import MetaAds
    from integrations.models import Connection
    from integrations.vault import credentials_for

    creds = credentials_for(workspace=workspace, provider="meta")
    if creds is None or creds.source != "workspace":
        raise IntegrationRequired(
            _("Connect a Meta account in Integrations before launching."), details={"missing": ["meta_connection"]}
        )
    picks = creds.settings
    missing = [key for key in ("ad_account_id",) if not picks.get(key)]
    if need_page and not picks.get("page_id"):
        missing.append("page_id")
    missing += [key for key in need if not picks.get(key)]
    if missing:
        raise IntegrationRequired(
            _("Choose these in the Meta connection's settings first: %(missing)s") % {"missing": ", ".join(missing)},
            details={"missing": missing},
        )
    account_id = str(picks["ad_account_id"])
    connection = Connection.unscoped.filter(pk=creds.connection_id).only("assets").first()
    accounts = (connection.assets or {}).get("ad_accounts", []) if connection else []
    currency = next(
        (str(a.get("currency") or "") for a in accounts if account_id in (a.get("id"), a.get("account_id"))), ""
    )
    return MetaAds(
        workspace=workspace,
        token=creds.secret,
        ad_account_id=account_id,
        page_id=str(picks.get("page_id") or ""),
        currency=currency,
        settings_=dict(picks),
    )
