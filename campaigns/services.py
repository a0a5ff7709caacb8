"""Campaign drafts: create (AI copy, charged once), edit, delete; variant edits.

Contract of the writes here:
- Keyword-only and typed; called inside the workspace scope (API viewset,
  page mixin or task base), outside any transaction: the charge door commits
  its reservation before the AI gateway is called.
- `campaign_create`: validate → same Idempotency-Key done before? return that
  campaign → reserve `facebook_ads` (15) under a key derived from the client's
  key → write the copy through the gateway → store campaign and variants →
  commit. A provider failure refunds; not enough credits is a 402 and nothing
  is written.
- Drafts (and failed launches) are editable; a launched campaign's copy is
  fixed at the provider, so its edits are 409 `campaign_not_draft`.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from campaigns import copywriting
from campaigns.models import AdVariant, Campaign
from campaigns.validation import copy_language, validate_draft, validate_variant
from content.services import charged_run
from nexusone.audit import audit_record
from nexusone.errors import Conflict, ValidationFailed

MODULE = "facebook_ads"


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def _resolve_asset(cleaned: dict):
    """`ad_creative.image_asset_id` → a library image of this workspace (its URL is ours to upload)."""
    asset_id = cleaned["ad_creative"].pop("image_asset_id", None)
    if asset_id is None:
        return None
    from medialib.models import MediaAsset

    asset = MediaAsset.objects.filter(pk=asset_id, kind=MediaAsset.Kind.IMAGE).first()
    if asset is None:
        raise ValidationFailed(details={"ad_creative.image_asset_id": [_("No image with this id in your library.")]})
    return asset


def draft_values(cleaned: dict, *, fallback_language: str) -> dict[str, Any]:
    budget = cleaned["budget"]
    return {
        "name": cleaned["campaign_name"],
        "objective": cleaned["objective"],
        "target_audience": cleaned["target_audience"],
        "ad_creative": cleaned["ad_creative"],
        "budget_type": budget["type"],
        "budget_amount": budget["amount"],
        "currency": budget["currency"],
        "end_time": cleaned["end_time"],
        "auto_refresh": cleaned["auto_refresh"],
        "language": copy_language(
            audience=cleaned["target_audience"], requested=cleaned["language"], fallback=fallback_language
        ),
    }


def campaign_create(
    *, workspace, user, data: Any, idempotency_key: str = "", fallback_language: str = "en", request=None
) -> Campaign:
    """A draft with `variants` AI-written copy variants (charged `facebook_ads` once per key)."""
    if idempotency_key:
        existing = Campaign.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    cleaned = validate_draft(data)
    asset = _resolve_asset(cleaned)
    values = draft_values(cleaned, fallback_language=fallback_language)

    def work(handle) -> Campaign:
        providers: list[str] = []

        def record(result) -> None:
            handle.metadata.update(result.metadata())
            providers.append(result.provider)

        copies = copywriting.write_variants(
            language=values["language"],
            count=cleaned["variants"],
            objective=values["objective"],
            audience=values["target_audience"],
            creative=values["ad_creative"],
            on_result=record,
        )
        try:
            with transaction.atomic():
                campaign = Campaign.objects.create(
                    **values,
                    image_asset=asset,
                    copy_provider=providers[-1] if providers else "",
                    credits_charged=handle.credits,
                    charge_id=handle.id,
                    idempotency_key=idempotency_key,
                    created_by=_user(user),
                )
                AdVariant.objects.bulk_create(
                    AdVariant(workspace=workspace, campaign=campaign, position=index, **copy)
                    for index, copy in enumerate(copies, start=1)
                )
        except IntegrityError:
            # A concurrent request with the same key stored it first: this charge is refunded.
            if idempotency_key and Campaign.objects.filter(idempotency_key=idempotency_key).exists():
                raise Conflict(_("This request is already being processed."), code="campaign_in_progress") from None
            raise
        return campaign

    campaign = charged_run(
        workspace=workspace,
        user=_user(user),
        module=MODULE,
        idempotency_key=idempotency_key or None,
        reference="campaigns.campaign",
        action="campaign_create",
        work=work,
    )
    audit_record(
        action="campaigns.campaign.created", request=request, user=_user(user), workspace=workspace, target=campaign
    )
    return campaign


def current_values(campaign: Campaign) -> dict[str, Any]:
    """The campaign as a request body (what a PATCH is merged into)."""
    creative = dict(campaign.ad_creative)
    if campaign.image_asset_id:
        creative["image_asset_id"] = campaign.image_asset_id
    return {
        "campaign_name": campaign.name,
        "objective": campaign.objective,
        "target_audience": dict(campaign.target_audience),
        "ad_creative": creative,
        "budget": {"type": campaign.budget_type, "amount": str(campaign.budget_amount), "currency": campaign.currency},
        "end_time": campaign.end_time.isoformat() if campaign.end_time else None,
        "auto_refresh": campaign.auto_refresh,
        "language": campaign.language,
        "variants": max(1, min(campaign.variants.count(), 5)),
    }


def require_draft(campaign: Campaign) -> None:
    if not campaign.is_draft:
        raise Conflict(_("A launched campaign cannot be edited."), code="campaign_not_draft")


def campaign_update(*, campaign: Campaign, data: Any, user=None) -> Campaign:
    """Edit a draft. `auto_refresh` may change on a launched campaign too."""
    if not isinstance(data, dict):
        raise ValidationFailed(details={"non_field_errors": [_("Send a JSON object.")]})
    if not campaign.is_draft and set(data) - {"auto_refresh", "campaign_name"}:
        require_draft(campaign)
    if "variants" in data:
        raise ValidationFailed(details={"variants": [_("Edit the variants one by one.")]})
    cleaned = validate_draft(data, current=current_values(campaign))
    asset = _resolve_asset(cleaned)
    values = draft_values(cleaned, fallback_language=campaign.language)
    if not campaign.is_draft:
        values = {"name": values["name"], "auto_refresh": values["auto_refresh"]}
    else:
        values["image_asset"] = asset
    for field, value in values.items():
        setattr(campaign, field, value)
    campaign.save()
    return campaign


def campaign_delete(*, campaign: Campaign, user=None, request=None) -> None:
    """Drafts go; a launched campaign is archived at the provider first (`launching.campaign_archive`)."""
    if campaign.status in (Campaign.Status.ACTIVE, Campaign.Status.PAUSED, Campaign.Status.LAUNCHING):
        raise Conflict(_("Archive the campaign before deleting it."), code="campaign_live")
    audit_record(
        action="campaigns.campaign.deleted",
        request=request,
        user=_user(user),
        workspace=campaign.workspace,
        metadata={"campaign_id": campaign.pk, "name": campaign.name},
    )
    campaign.delete()


def variant_update(*, variant: AdVariant, data: Any) -> AdVariant:
    require_draft(variant.campaign)
    cleaned = validate_variant(data)
    for field, value in cleaned.items():
        setattr(variant, field, value)
    variant.save()
    return variant
