"""The kinds of notification: who gets one by default, what it says, which
channels it uses unless the recipient (e-mail) or the workspace (Slack)
decides otherwise.

Titles and bodies are gettext strings with `%(name)s` placeholders, rendered
per recipient inside `translation.override(recipient.preferred_language)`, so
every recipient reads their own language. Placeholder values are passed as
`params` to `notify()`; a value that must itself be translated can be given
as a lazy string (it is rendered in the recipient's language too).

A module that needs a new kind adds it here (one entry, translated strings)
or calls `register_kind()` from its AppConfig.ready().
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

EVERYONE = (Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER)
MANAGERS = (Role.OWNER, Role.ADMIN)
CONTRIBUTORS = (Role.OWNER, Role.ADMIN, Role.MEMBER)


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise
    title: Promise
    body: Promise
    roles: tuple[str, ...] = MANAGERS  # recipients when notify() names no users
    email: bool = True  # default of the recipient's e-mail preference
    slack: bool = True  # default of the workspace's Slack preference
    level: str = "info"  # info | success | warning | error (the bell's colour)


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"Unknown notification kind {key!r}; add it to notifications/kinds.py.") from None


for _kind in (
    Kind(
        "credits_low",
        _("Credits running low"),
        _("Credits running low: %(balance)s left"),
        _(
            "Your workspace %(workspace)s has %(balance)s credits left, at or below 10%% of the "
            "%(monthly)s credits of its plan. Top up or upgrade to keep things running."
        ),
        level="warning",
    ),
    Kind(
        "payment_failed",
        _("Payment failed"),
        _("Payment failed for %(workspace)s"),
        _(
            "We could not charge the payment for %(workspace)s. Update your payment method before "
            "%(grace_end)s to keep your plan."
        ),
        roles=(Role.OWNER,),
        level="error",
    ),
    Kind(
        "broadcast_finished",
        _("Broadcast finished"),
        _("Broadcast “%(name)s” finished"),
        _("%(sent)s of %(total)s messages were sent; %(failed)s failed."),
        roles=CONTRIBUTORS,
        level="success",
    ),
    Kind(
        "video_ready",
        _("Video ready"),
        _("Your video “%(title)s” is ready"),
        _("The video finished rendering and can be downloaded or shared."),
        roles=CONTRIBUTORS,
        level="success",
    ),
    Kind(
        "video_failed",
        _("Video failed"),
        _("Your video “%(title)s” failed"),
        _("The video could not be rendered (%(reason)s). Its credits were refunded."),
        roles=CONTRIBUTORS,
        level="error",
    ),
    Kind(
        "import_finished",
        _("Import finished"),
        _("Import of “%(name)s” finished"),
        _("%(created)s created, %(updated)s updated, %(rejected)s rejected."),
        roles=CONTRIBUTORS,
        level="success",
    ),
    Kind(
        "privacy_export_ready",
        _("Workspace export ready"),
        _("The export of %(workspace)s is ready"),
        _("Open the privacy settings to download it; each download link is valid for one hour."),
        slack=False,
        level="success",
    ),
    Kind(
        "webhook_endpoint_disabled",
        _("Webhook endpoint disabled"),
        _("A webhook endpoint was disabled"),
        _("%(url)s failed every delivery for 5 days and was disabled. Fix it, then enable it again."),
        level="error",
    ),
    Kind(
        "integration_expired",
        _("Integration needs attention"),
        _("%(integration)s needs to be reconnected"),
        _("The connection to %(integration)s expired or was revoked. Reconnect it in the workspace settings."),
        level="warning",
    ),
    Kind(
        "low_stock",
        _("Low stock"),
        _("Low stock: %(product)s"),
        _("Only %(quantity)s left of %(product)s (threshold %(threshold)s)."),
        level="warning",
    ),
    Kind(
        "ad_rejected",
        _("Ad rejected"),
        _("An ad of “%(campaign)s” was rejected"),
        _("The ad platform rejected an ad: %(reason)s"),
        level="error",
    ),
    Kind(
        "leads_digest",
        _("New leads (digest)"),
        _("%(count)s new leads captured"),
        _("%(count)s new leads arrived since the last digest; the latest: %(latest)s."),
        roles=CONTRIBUTORS,
        slack=False,
    ),
    Kind(
        "export_ready",
        _("Export ready"),
        _("Your export “%(name)s” is ready"),
        _("The file can be downloaded for the next %(hours)s hours."),
        roles=CONTRIBUTORS,
        email=False,
        slack=False,
        level="success",
    ),
):
    register_kind(_kind)
