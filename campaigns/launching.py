"""Launching a campaign at its ads provider, and mirroring its status.

- `campaign_launch` checks what can be checked before anything is created
  (a draft, variants, the Meta connection with an ad account and a Page, the
  budget in the ad account's currency), marks the campaign `launching` and
  hands the work to a task.
- `launch_run` (the task) creates, in order, the campaign (paused), its ad
  set, the image, then one creative and one ad per variant, writing each id
  as soon as the provider answers; a retry after a failure midway skips what
  exists. The campaign is switched to ACTIVE at the provider only when every
  ad exists, so a half-built launch spends nothing. Throttling (Meta
  4/17/613/80000–80014) reschedules the task after the wait Meta gives;
  other refusals fail the launch with Meta's message (a new launch resumes).
- pause / resume / archive mirror the status at the provider.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import AdVariant, Campaign
from campaigns.providers import AdsError, AdsProvider, AdsThrottled, IntegrationRequired, OfflineAds, provider_for
from nexusone.audit import audit_record
from nexusone.errors import Conflict, ProviderError, ValidationFailed

logger = logging.getLogger(__name__)

MAX_THROTTLED_ATTEMPTS = 6
LOCK_SECONDS = 300


def tracking(campaign: Campaign, provider: AdsProvider, key: str) -> str:
    """`pixel_id` / `lead_form_id`: the campaign's own (its `ad_creative`), else the Meta connection's."""
    own = (campaign.ad_creative or {}).get(key) if isinstance(campaign.ad_creative, dict) else None
    return str(own or getattr(provider, "settings", {}).get(key) or "")


def provider_of(campaign: Campaign) -> AdsProvider:
    """The provider a launched campaign lives at (a draft: the one that would launch it)."""
    if campaign.provider == "offline":
        return OfflineAds(workspace=campaign.workspace)
    return provider_for(campaign.workspace)


def _check_tracking(campaign: Campaign, provider: AdsProvider) -> None:
    """Conversions need a pixel; lead ads an instant form (or a pixel for leads on the website)."""
    if provider.offline:
        return
    if campaign.objective == "CONVERSIONS" and not tracking(campaign, provider, "pixel_id"):
        raise IntegrationRequired(
            _("Conversion campaigns need the Meta pixel that measures them: give its id (ad_creative.pixel_id)."),
            details={"missing": ["pixel_id"]},
        )
    if campaign.objective == "LEAD_GENERATION" and not (
        tracking(campaign, provider, "lead_form_id") or tracking(campaign, provider, "pixel_id")
    ):
        raise IntegrationRequired(
            _(
                "Lead campaigns need an instant form (ad_creative.lead_form_id) or, for leads on your website, "
                "a Meta pixel (ad_creative.pixel_id)."
            ),
            details={"missing": ["lead_form_id"]},
        )


def campaign_launch(*, campaign: Campaign, user=None, request=None) -> Campaign:
    if not campaign.is_draft:
        raise Conflict(_("This campaign was already launched."), code="campaign_not_draft")
    if not campaign.variants.exists():
        raise ValidationFailed(details={"variants": [_("Add at least one variant.")]})
    provider = provider_for(campaign.workspace)
    _check_tracking(campaign, provider)
    if provider.currency and provider.currency != campaign.currency:
        raise ValidationFailed(
            _("The ad account is in %(account)s; set the budget in %(account)s.") % {"account": provider.currency},
            code="currency_mismatch",
            details={"budget.currency": [_("Use the ad account's currency: %(c)s.") % {"c": provider.currency}]},
        )
    updated = Campaign.objects.filter(
        pk=campaign.pk, status__in=[Campaign.Status.DRAFT, Campaign.Status.FAILED]
    ).update(status=Campaign.Status.LAUNCHING, provider=provider.name, launch_error="", updated_at=timezone.now())
    if not updated:
        raise Conflict(_("This campaign was already launched."), code="campaign_not_draft")
    audit_record(
        action="campaigns.campaign.launched", request=request, user=user, workspace=campaign.workspace, target=campaign
    )
    enqueue_launch(campaign)
    campaign.refresh_from_db()
    return campaign


def enqueue_launch(campaign: Campaign, countdown: float = 0) -> None:
    from campaigns.tasks import campaign_launch_task

    def publish():
        try:
            campaign_launch_task.apply_async(
                kwargs={"workspace_id": campaign.workspace_id, "campaign_id": campaign.pk},
                countdown=countdown or None,
                retry=False,
            )
        except Exception:  # the broker is down: the beat's stale-launch sweep resumes it
            logger.exception("campaigns: could not enqueue the launch of %s", campaign.pk)

    transaction.on_commit(publish, robust=True)


def _fail(campaign: Campaign, message: str) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.FAILED, launch_error=str(message)[:1000], updated_at=timezone.now()
    )


def launch_run(*, campaign_id: int) -> str:
    """Create what is missing at the provider; idempotent (see the module docstring)."""
    lock = f"campaigns:launch:{campaign_id}"
    if not cache.add(lock, 1, LOCK_SECONDS):
        return "running"
    try:
        outcome, countdown = _launch(campaign_id)
    finally:
        cache.delete(lock)
    if outcome == "throttled":
        campaign = Campaign.objects.get(pk=campaign_id)
        enqueue_launch(campaign, countdown=countdown)
    return outcome


def _launch(campaign_id: int) -> tuple[str, float]:
    campaign = Campaign.objects.select_related("image_asset", "workspace").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.LAUNCHING:
        return "skipped", 0
    state = dict(campaign.launch_state or {})

    def save(**fields) -> None:
        Campaign.objects.filter(pk=campaign.pk).update(launch_state=state, updated_at=timezone.now(), **fields)

    try:
        provider = provider_of(campaign)
        if not campaign.external_campaign_id:
            campaign.external_campaign_id = provider.create_campaign(campaign)
            save(external_campaign_id=campaign.external_campaign_id)
        if not campaign.external_adset_id:
            campaign.external_adset_id = provider.create_adset(campaign, state=state)
            save(external_adset_id=campaign.external_adset_id)
        provider.prepare_image(campaign, state=state)
        save()
        for variant in AdVariant.objects.filter(campaign=campaign).order_by("position"):
            if not variant.external_creative_id:
                variant.external_creative_id = provider.create_creative(campaign, variant, state=state)
                variant.save(update_fields=["external_creative_id", "updated_at"])
            if not variant.external_ad_id:
                variant.external_ad_id = provider.create_ad(campaign, variant)
                variant.status = AdVariant.Status.ACTIVE
                variant.save(update_fields=["external_ad_id", "status", "updated_at"])
        provider.set_status(campaign.external_campaign_id, "ACTIVE")
    except AdsThrottled as exc:
        state["throttled"] = int(state.get("throttled", 0)) + 1
        if state["throttled"] > MAX_THROTTLED_ATTEMPTS:
            save()
            _fail(campaign, str(exc.message))
            return "failed", 0
        save(launch_error=str(exc.message)[:1000])
        return "throttled", max(60.0, exc.retry_after)
    except (AdsError, IntegrationRequired, ProviderError) as exc:
        save()
        _fail(campaign, str(exc.message))
        return "failed", 0
    now = timezone.now()
    with transaction.atomic():
        state.pop("throttled", None)
        save(status=Campaign.Status.ACTIVE, launched_at=now, launch_error="")
        campaign.refresh_from_db()
        from webhooks.hooks import _emit

        _emit(
            campaign.workspace,
            "campaign.launched",
            {
                "id": campaign.pk,
                "name": campaign.name,
                "objective": campaign.objective,
                "provider": campaign.provider,
                "external_campaign_id": campaign.external_campaign_id,
                "ads": list(
                    AdVariant.objects.filter(campaign=campaign)
                    .order_by("position")
                    .values_list("external_ad_id", flat=True)
                ),
                "launched_at": now,
            },
            dedup_key=f"campaign.launched:{campaign.pk}",
        )
    return "launched", 0


# --- status mirror ---------------------------------------------------------------------------

TRANSITIONS = {
    "pause": ({Campaign.Status.ACTIVE}, Campaign.Status.PAUSED, "PAUSED"),
    "resume": ({Campaign.Status.PAUSED}, Campaign.Status.ACTIVE, "ACTIVE"),
    "archive": (
        {Campaign.Status.ACTIVE, Campaign.Status.PAUSED, Campaign.Status.FAILED},
        Campaign.Status.ARCHIVED,
        "ARCHIVED",
    ),
}


def campaign_set_status(*, campaign: Campaign, action: str, user=None, request=None) -> Campaign:
    """pause / resume / archive: the provider first, then our row."""
    allowed, target, remote = TRANSITIONS[action]
    if campaign.status not in allowed:
        raise Conflict(
            _("A campaign that is “%(status)s” cannot be changed this way.")
            % {"status": campaign.get_status_display()},
            code="campaign_status",
        )
    if campaign.external_campaign_id:
        provider_of(campaign).set_status(campaign.external_campaign_id, remote)
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(status=target, updated_at=timezone.now())
        if action == "archive":
            AdVariant.objects.filter(campaign=campaign).exclude(status=AdVariant.Status.DRAFT).update(
                status=AdVariant.Status.ARCHIVED, updated_at=timezone.now()
            )
    audit_record(
        action={"pause": "campaigns.campaign.paused", "resume": "campaigns.campaign.resumed"}.get(
            action, "campaigns.campaign.archived"
        ),
        request=request,
        user=user,
        workspace=campaign.workspace,
        target=campaign,
    )
    campaign.refresh_from_db()
    return campaign


def variants_pause(*, campaign: Campaign, variants: list[AdVariant]) -> None:
    """Pause some ads (losers of an A/B test, fatigued ads) at the provider, then here."""
    provider = provider_of(campaign)
    for variant in variants:
        if variant.external_ad_id and variant.status == AdVariant.Status.ACTIVE:
            provider.set_status(variant.external_ad_id, "PAUSED")
            AdVariant.objects.filter(pk=variant.pk).update(status=AdVariant.Status.PAUSED, updated_at=timezone.now())


def provider_state(*, workspace) -> dict:
    """What a launch would use now (the pages and `GET /campaigns/provider` show it)."""
    from campaigns.providers import meta_configured

    state = {"provider": "meta", "offline": False, "ready": True, "missing": [], "ad_account_id": "", "page_id": "",
             "currency": "", "message": ""}  # fmt: skip
    if not meta_configured():
        state.update(
            provider="offline",
            offline=True,
            message=_(
                "Offline mode: this platform has no Meta app configured, so launches are simulated "
                "(ids start with “offline_”) and the figures are generated examples."
            ),
        )
        return state
    try:
        provider = provider_for(workspace)
    except IntegrationRequired as exc:
        state.update(ready=False, missing=list(exc.details.get("missing", [])), message=str(exc.message))
        return state
    state.update(
        ad_account_id=getattr(provider, "account", ""),
        page_id=getattr(provider, "page_id", ""),
        currency=provider.currency,
        message=_("Launches go to your Meta ad account %(account)s.") % {"account": getattr(provider, "account", "")},
    )
    return state
