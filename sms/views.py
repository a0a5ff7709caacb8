"""SMS pages under /<lang>/w/<slug>/sms/: the campaign list and the composer
with its live segment count (GSM-7 160/153, UCS-2 70/67), audience and cost."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from emails.views import error_text, parse_local, segment_choices
from nexusone.errors import ApplicationError, ValidationFailed
from nexusone.pages import WorkspacePageMixin
from sms import segments, services
from sms.models import SmsCampaign


class SmsPage(WorkspacePageMixin, TemplateView):
    permission = "sms.view"
    form_permissions = {"": "sms.change"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["email_section"] = "sms"
        return context

    def _campaign(self, pk) -> SmsCampaign:
        campaign = SmsCampaign.objects.filter(pk=pk, kind=SmsCampaign.Kind.BROADCAST).first()
        if campaign is None:
            raise Http404(_("Not found."))
        return campaign


class SmsCampaignListView(SmsPage):
    template_name = "sms/pages/campaigns.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["campaigns"] = SmsCampaign.objects.filter(kind=SmsCampaign.Kind.BROADCAST).order_by("-created_at")[:100]
        return context

    def post(self, request, slug):
        try:
            campaign = services.campaign_create(
                workspace=self.workspace, data={"name": request.POST.get("name", "")}, user=request.user
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            return redirect("sms_campaigns", slug=slug)
        return redirect("sms_campaign", slug=slug, pk=campaign.pk)


class SmsCampaignView(SmsPage):
    """The composer (a draft or scheduled campaign) or the sent campaign's messages."""

    template_name = "sms/pages/campaign.html"
    form_permissions = {"save": "sms.change", "schedule": "sms.change", "send": "sms.change"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self._campaign(kwargs["pk"])
        context.update(
            campaign=campaign,
            counted=segments.count(campaign.body),
            estimate=services.campaign_estimate(campaign=campaign) if campaign.is_editable else None,
            segments=segment_choices(),
            segment_id=(campaign.audience or {}).get("segment_id"),
            recent=campaign.messages.order_by("-pk")[:50] if not campaign.is_editable else [],
        )
        return context

    def post(self, request, slug, pk):
        campaign = self._campaign(pk)
        post = request.POST
        action = post.get("action", "")
        try:
            if action == "save":
                services.campaign_update(
                    campaign=campaign,
                    data={
                        "name": post.get("name", ""),
                        "body": post.get("body", ""),
                        "audience": {"segment_id": int(post["segment"])} if post.get("segment", "").isdigit() else {},
                    },
                )
                messages.success(request, _("Saved."))
            elif action == "schedule":
                when = parse_local(post.get("schedule_at", "")) if post.get("schedule_at") else None
                if post.get("schedule_at") and when is None:
                    raise ValidationFailed(details={"schedule_at": [_("Enter a date and time.")]})
                services.campaign_update(campaign=campaign, data={"schedule_at": when})
                messages.success(request, _("Scheduled.") if when else _("Schedule removed."))
            elif action == "send":
                services.campaign_send(campaign=campaign, user=request.user, request=request)
                messages.success(request, _("Sending."))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        return redirect("sms_campaign", slug=slug, pk=campaign.pk)


class SmsSegmentCountView(SmsPage):
    """The composer's live count (htmx): segments and encoding of the typed text."""

    def get(self, request, slug):
        counted = segments.count(request.GET.get("body", "")[: segments.MAX_BODY])
        return render(request, "sms/pages/_count.html", {"counted": counted})
