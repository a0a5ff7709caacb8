"""Plan quotas and features.

One function per quota kind. Each takes the workspace and its current use
(a number, or a callable returning it, evaluated only when needed) and raises
`QuotaExceeded` — HTTP 403 `quota_exceeded` with
`details = {"quota", "limit", "used"}` — when adding `adding` more would go
over the plan's limit. A limit left empty on the plan means unlimited.

Counting and creating are two steps, so two concurrent creations could both
pass a check. Where that matters, do both in one transaction after
`quota_lock(workspace=…)`, which serialises them on the billing account row.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from billing.models import BillingAccount, Plan
from billing.selectors import billing_account_get, plan_includes
from nexusone.errors import PlanRequired, QuotaExceeded

Usage = int | Callable[[], int]


def _check(*, workspace, quota: str, used: Usage, adding: int, message: str) -> None:
    limit = billing_account_get(workspace=workspace).plan.quota(quota)
    if limit is None:
        return
    count = used() if callable(used) else used
    if count + adding > limit:
        raise QuotaExceeded(
            message % {"limit": limit, "used": count}, details={"quota": quota, "limit": limit, "used": count}
        )


def quota_check_videos(*, workspace, used: Usage, adding: int = 1) -> None:
    """Videos generated this calendar month."""
    _check(
        workspace=workspace, quota="videos_per_month", used=used, adding=adding,
        message=_("Your plan includes %(limit)d videos per month and %(used)d were made this month."),
    )  # fmt: skip


def quota_check_landing_pages(*, workspace, used: Usage, adding: int = 1) -> None:
    """Landing pages that exist in the workspace."""
    _check(
        workspace=workspace, quota="landing_pages", used=used, adding=adding,
        message=_("Your plan includes %(limit)d landing pages and %(used)d exist."),
    )  # fmt: skip


def quota_check_whatsapp_numbers(*, workspace, used: Usage, adding: int = 1) -> None:
    """WhatsApp phone numbers connected to the workspace."""
    _check(
        workspace=workspace, quota="whatsapp_numbers", used=used, adding=adding,
        message=_("Your plan includes %(limit)d WhatsApp numbers and %(used)d are connected."),
    )  # fmt: skip


FEATURE_API_KEYS = "api_keys"
FEATURE_WEBHOOKS = "webhooks"


def plan_require(*, workspace, feature: str) -> None:
    """403 `plan_required` unless the workspace's plan lists `feature`.

    The cached plan (`plan_includes`, read on every API-key request) answers
    yes without a query; a no is confirmed against the account first, so a
    plan bought a moment ago in another process is honoured at once."""
    if plan_includes(workspace=workspace, feature=feature):
        return
    plan = billing_account_get(workspace=workspace).plan
    if feature in (plan.features or []):
        return
    upgrades = [p.key for p in Plan.objects.filter(is_active=True) if feature in (p.features or [])]
    raise PlanRequired(
        _("Your plan does not include this feature. Upgrade to use it."),
        details={"feature": feature, "plan": plan.key, "available_on": upgrades},
    )


def quota_lock(*, workspace) -> BillingAccount:
    """Lock the workspace's billing account row until the surrounding
    transaction ends, so "count, check, create" sequences run one at a time."""
    billing_account_get(workspace=workspace)
    return BillingAccount.unscoped.select_for_update(of=("self",)).select_related("plan").get(workspace_id=workspace.pk)
