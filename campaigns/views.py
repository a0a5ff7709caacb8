"""Campaign pages under /<lang>/w/<slug>/campaigns/: the list with spend and
ROAS, the builder, the campaign page (variants side by side, launch with its
cost shown first, status, insights chart, A/B panel, refresh reports), the
posts calendar and the generators. Thin: every write goes through the same
services as the API."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from campaigns import abtest, currencies, generators, insights, launching, posts, services
from campaigns.models import (
    AdInsight,
    AdVariant,
    BudgetType,
    Campaign,
    Generation,
    InsightRun,
    Objective,
    SocialPost,
)
from campaigns.validation import CALLS_TO_ACTION, COPY_LANGUAGES
from emails.views import error_text
from nexusone.errors import ApplicationError
from nexusone.pages import WorkspacePageMixin


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]


def _int(value: str, default: int | None = None):
    value = (value or "").strip()
    return int(value) if value.lstrip("-").isdigit() else (default if value == "" else value)


def draft_from_form(post) -> dict:
    """The builder's fields → a FacebookCampaignRequest (validated by the services)."""
    genders = post.getlist("genders")
    body = {
        "campaign_name": post.get("campaign_name", ""),
        "objective": post.get("objective", ""),
        "target_audience": {
            "age_min": _int(post.get("age_min", ""), 18),
            "age_max": _int(post.get("age_max", ""), 65),
            "genders": genders,
            "interests": _split(post.get("interests", "")),
            "countries": _split(post.get("countries", "")),
            "languages": _split(post.get("languages", "")),
        },
        "ad_creative": {
            "title": post.get("title", ""),
            "description": post.get("description", ""),
            "image_url": post.get("image_url", ""),
            "call_to_action": post.get("call_to_action", "LEARN_MORE"),
            "destination_url": post.get("destination_url", ""),
            "pixel_id": post.get("pixel_id", "").strip(),
            "lead_form_id": post.get("lead_form_id", "").strip(),
        },
        "budget": {
            "type": post.get("budget_type", ""),
            "amount": post.get("amount", ""),
            "currency": post.get("currency", ""),
        },
        "variants": _int(post.get("variants", ""), 3),
        "auto_refresh": post.get("auto_refresh") == "on",
        "language": post.get("language", ""),
    }
    if post.get("end_time"):
        body["end_time"] = post["end_time"]
    return body


class CampaignPage(WorkspacePageMixin, TemplateView):
    permission = "campaigns.view"
    form_permissions = {"": "campaigns.change"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["provider"] = launching.provider_state(workspace=self.workspace)
        context["request_token"] = uuid.uuid4().hex
        return context


class CampaignListView(CampaignPage):
    template_name = "campaigns/pages/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        since = timezone.now().date() - timedelta(days=27)
        sums = {
            row["campaign_id"]: insights.derived({k: v or 0 for k, v in row.items()})
            for row in AdInsight.objects.filter(date__gte=since)
            .order_by()
            .values("campaign_id")
            .annotate(**insights.SUMS)
        }
        rows = [(c, sums.get(c.pk)) for c in Campaign.objects.order_by("-created_at", "-id")[:100]]
        context.update(
            rows=rows,
            objectives=Objective.choices,
            budget_types=BudgetType.choices,
            ctas=CALLS_TO_ACTION,
            currencies=sorted(currencies.SUPPORTED),
            languages=COPY_LANGUAGES,
        )
        return context

    def post(self, request, slug):
        try:
            campaign = services.campaign_create(
                workspace=self.workspace,
                user=request.user,
                data=draft_from_form(request.POST),
                idempotency_key=(request.POST.get("request_token") or "")[:100],
                fallback_language=request.LANGUAGE_CODE,
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            return redirect("campaigns", slug=slug)
        messages.success(request, _("Draft ready: review the variants, then launch."))
        return redirect("campaign", slug=slug, pk=campaign.pk)


class CampaignDetailView(CampaignPage):
    template_name = "campaigns/pages/detail.html"
    form_permissions = {
        "variant": "campaigns.change",
        "launch": "campaigns.change",
        "pause": "campaigns.change",
        "resume": "campaigns.change",
        "archive": "campaigns.change",
        "sync": "campaigns.change",
        "conclude": "campaigns.change",
        "refresh": "campaigns.change",
        "delete": "campaigns.change",
    }

    def _campaign(self, pk) -> Campaign:
        campaign = Campaign.objects.filter(pk=pk).first()
        if campaign is None:
            raise Http404(_("Not found."))
        return campaign

    def get_context_data(self, **kwargs):
        from analytics.svg import PALETTE, Series, daily_bars

        context = super().get_context_data(**kwargs)
        campaign = self._campaign(kwargs["pk"])
        variants = list(AdVariant.objects.filter(campaign=campaign).order_by("position"))
        until = timezone.now().date()
        since = until - timedelta(days=27)
        report = insights.campaign_insights(campaign=campaign, since=since, until=until, level="ad")
        per_day: dict = {}
        for row in report["rows"]:
            per_day.setdefault(row["date"], {})[row["label"]] = row["clicks"]
        days = sorted(per_day)
        chart = None
        if days:
            from datetime import date as date_type

            series = [
                Series(v.label, f"{v.label} · {v.headline[:30]}", PALETTE[i % len(PALETTE)])
                for i, v in enumerate(variants)
            ]
            chart = daily_bars(
                title=_("Clicks per day and ad"),
                days=[date_type.fromisoformat(d) for d in days],
                series_list=series,
                value=lambda d, key: per_day.get(d.isoformat(), {}).get(key, 0),
                rtl=get_language_bidi(),
                label_id="chart-campaign",
            )
        totals = insights.campaign_insights(campaign=campaign, since=since, until=until)
        context.update(
            campaign=campaign,
            variants=variants,
            minor=currencies.to_minor(campaign.budget_amount, campaign.currency),
            offset=currencies.offset(campaign.currency),
            chart=chart,
            totals=totals["totals"],
            daily=totals["rows"],
            ab=abtest.ab_result(campaign=campaign) if campaign.launched_at else None,
            reports=list(campaign.refresh_reports.order_by("-created_at")[:5]),
            ctas=CALLS_TO_ACTION,
            # Where the last insights report stands (running at Meta, or why it failed).
            insight_run=InsightRun.objects.filter(campaign=campaign).order_by("-created_at").first(),
            unresolved_interests=(campaign.launch_state or {}).get("unresolved_interests") or [],
        )
        return context

    def post(self, request, slug, pk):
        campaign = self._campaign(pk)
        action = request.POST.get("action", "")
        try:
            if action == "variant":
                variant = AdVariant.objects.filter(campaign=campaign, pk=_int(request.POST.get("variant", ""))).first()
                if variant is None:
                    raise Http404(_("Not found."))
                services.variant_update(
                    variant=variant,
                    data={
                        k: request.POST.get(k, "")
                        for k in ("headline", "primary_text", "description", "call_to_action")
                    },
                )
                messages.success(request, _("Saved."))
            elif action == "launch":
                campaign = launching.campaign_launch(campaign=campaign, user=request.user, request=request)
                messages.success(request, _("Launching: the ads are being created."))
            elif action in ("pause", "resume", "archive"):
                launching.campaign_set_status(campaign=campaign, action=action, user=request.user, request=request)
                messages.success(request, _("Saved."))
            elif action == "sync":
                run = insights.insights_sync_now(campaign=campaign)
                if run is not None and run.status == run.Status.RUNNING:
                    messages.info(request, _("Meta is preparing the figures; they appear here in a few minutes."))
                else:
                    messages.success(request, _("Figures updated."))
            elif action == "conclude":
                winner = _int(request.POST.get("winner", ""))
                abtest.ab_conclude(
                    campaign=campaign, winner_id=winner if isinstance(winner, int) else None, user=request.user
                )
                messages.success(request, _("The winner keeps running; the other ads are paused."))
            elif action == "delete":
                services.campaign_delete(campaign=campaign, user=request.user, request=request)
                messages.success(request, _("Deleted."))
                return redirect("campaigns", slug=slug)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        return redirect("campaign", slug=slug, pk=campaign.pk)


class PostCalendarView(CampaignPage):
    template_name = "campaigns/pages/posts.html"
    form_permissions = {"create": "campaigns.change", "cancel": "campaigns.change"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(SocialPost.objects.order_by("-scheduled_at", "-created_at")[:200])
        by_day: dict = {}
        for post in sorted(rows, key=lambda p: p.scheduled_at or p.created_at):
            day = timezone.localtime(post.scheduled_at or post.published_at or post.created_at).date()
            by_day.setdefault(day, []).append(post)
        context.update(days=sorted(by_day.items()), platforms=SocialPost.Platform.choices, languages=COPY_LANGUAGES)
        return context

    def post(self, request, slug):
        action = request.POST.get("action", "")
        try:
            if action == "cancel":
                post = SocialPost.objects.filter(pk=_int(request.POST.get("post", ""))).first()
                if post is None:
                    raise Http404(_("Not found."))
                posts.post_cancel(post=post)
                messages.success(request, _("Deleted."))
            else:
                data = {k: request.POST.get(k, "") for k in ("platform", "text", "media_url", "link", "scheduled_at")}
                if request.POST.get("brief"):
                    data["ai_caption"] = {
                        "brief": request.POST["brief"],
                        "language": request.POST.get("language", "en"),
                    }
                posts.post_create(workspace=self.workspace, user=request.user, data=data,
                                  idempotency_key=(request.POST.get("request_token") or "")[:100])  # fmt: skip
                messages.success(request, _("Saved."))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        return redirect("campaign_posts", slug=slug)


class GeneratorsView(CampaignPage):
    template_name = "campaigns/pages/generators.html"
    form_permissions = {"inspiration": "campaigns.change", "plan": "campaigns.change", "apply": "campaigns.change"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            generations=list(Generation.objects.order_by("-created_at")[:10]),
            languages=COPY_LANGUAGES,
            currencies=sorted(currencies.SUPPORTED),
            today=timezone.now().date() + timedelta(days=1),
        )
        return context

    def post(self, request, slug):
        action, post = request.POST.get("action", ""), request.POST
        token = (post.get("request_token") or "")[:100]
        try:
            if action == "inspiration":
                generators.ad_inspiration(
                    workspace=self.workspace, user=request.user, idempotency_key=token,
                    data={"product": post.get("product", ""), "audience": post.get("audience", ""),
                          "language": post.get("language", "en"), "count": _int(post.get("count", ""), 5)},
                )  # fmt: skip
            elif action == "plan":
                generators.launch_plan(
                    workspace=self.workspace, user=request.user, idempotency_key=token,
                    data={"product": post.get("product", ""), "audience": post.get("audience", ""),
                          "language": post.get("language", "en"), "weeks": _int(post.get("weeks", ""), 4),
                          "channels": post.getlist("channels") or ["facebook"],
                          "budget": {"amount": post.get("amount", ""), "currency": post.get("currency", "")}},
                )  # fmt: skip
            elif action == "apply":
                plan = Generation.objects.filter(pk=_int(post.get("plan", ""))).first()
                if plan is None:
                    raise Http404(_("Not found."))
                created = generators.plan_apply(
                    plan=plan, user=request.user,
                    data={"start_date": post.get("start_date", ""), "destination_url": post.get("destination_url", ""),
                          "countries": _split(post.get("countries", ""))},
                )  # fmt: skip
                messages.success(
                    request,
                    _("%(posts)d posts scheduled and %(campaigns)d campaign drafts created.")
                    % {"posts": len(created["posts"]), "campaigns": len(created["campaigns"])},
                )
                return redirect("generators", slug=slug)
            messages.success(request, _("Saved."))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        return redirect("generators", slug=slug)
