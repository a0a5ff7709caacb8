"""E-mail pages under /<lang>/w/<slug>/email/: senders with their DNS
records, the campaign list, the editor (blocks, preview at desktop and phone
widths, AI variants, audience and cost, test, schedule, send) and the report.
Thin: form → service → redirect with a message."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from emails import selectors
from emails.markup import blocks_to_markup, markup_to_blocks
from emails.models import Campaign, Sender
from emails.services import campaigns, dispatch, senders
from nexusone.errors import ApplicationError, InsufficientCredits, ValidationFailed
from nexusone.pages import WorkspacePageMixin


def error_text(exc: ApplicationError) -> str:
    """One line for a page message: what is wrong, per field."""
    if isinstance(exc, InsufficientCredits):
        return _("Not enough credits: this needs %(needed)d and the workspace has %(available)d.") % {
            "needed": exc.needed,
            "available": exc.available,
        }
    if isinstance(exc, ValidationFailed) and exc.details:
        parts = []
        for field, problems in exc.details.items():
            for problem in problems if isinstance(problems, list) else [problems]:
                parts.append(f"{field}: {problem}")
        return " ".join(parts)
    return str(exc.message)


def parse_local(value: str) -> datetime | None:
    """A `datetime-local` value in the member's time zone."""
    try:
        naive = datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    return timezone.make_aware(naive, timezone.get_current_timezone()) if timezone.is_naive(naive) else naive


def segment_choices():
    from crm.models import Segment

    return Segment.objects.order_by("name").values_list("pk", "name")


class EmailPage(WorkspacePageMixin, TemplateView):
    permission = "emails.view"
    form_permissions = {"": "emails.change"}
    section = "campaigns"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["email_section"] = self.section
        return context

    def _campaign(self, pk) -> Campaign:
        campaign = selectors.campaign_list().filter(pk=pk).first()
        if campaign is None:
            raise Http404(_("Not found."))
        return campaign


class SenderListView(EmailPage):
    template_name = "emails/pages/senders.html"
    section = "senders"
    form_permissions = {
        "add": "emails.change",
        "verify": "emails.change",
        "delete": "emails.change",
        "postal": "emails.change",
    }

    def get_context_data(self, **kwargs):
        from emails import dns
        from emails.branding import postal_address

        context = super().get_context_data(**kwargs)
        rows = []
        for sender in selectors.sender_list():
            status = sender.dns_status or {}
            records = [(record, status.get(record.kind, "")) for record in dns.records_for(sender.domain)]
            rows.append({"sender": sender, "records": records, "preverified": bool(status.get("preverified"))})
        context.update(senders=rows, postal_address=postal_address(self.workspace))
        return context

    def post(self, request, slug):
        from emails.branding import postal_address_set

        action = request.POST.get("action", "")
        try:
            if action == "add":
                sender = senders.sender_create(
                    workspace=self.workspace,
                    email=request.POST.get("email", ""),
                    name=request.POST.get("name", ""),
                    user=request.user,
                    request=request,
                )
                messages.success(request, _("Sender %(email)s added.") % {"email": sender.email})
            elif action in ("verify", "delete"):
                sender = Sender.objects.filter(pk=request.POST.get("sender", "0") or 0).first()
                if sender is None:
                    raise Http404(_("Not found."))
                if action == "verify":
                    sender = senders.sender_verify(sender=sender)
                    if sender.verified:
                        messages.success(request, _("%(domain)s is verified.") % {"domain": sender.domain})
                    else:
                        messages.warning(request, _("The DNS records are not all in place yet."))
                else:
                    senders.sender_delete(sender=sender, user=request.user, request=request)
                    messages.success(request, _("Sender deleted."))
            elif action == "postal":
                postal_address_set(
                    workspace=self.workspace,
                    value=request.POST.get("postal_address", ""),
                    user=request.user,
                    request=request,
                )
                messages.success(request, _("Postal address saved."))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        return redirect("email_senders", slug=self.workspace.slug)


class CampaignListView(EmailPage):
    template_name = "emails/pages/campaigns.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["campaigns"] = selectors.campaign_list()[:100]
        return context

    def post(self, request, slug):
        try:
            campaign = campaigns.campaign_create(
                workspace=self.workspace,
                data={"name": request.POST.get("name", ""), "language": translation.get_language() or "en"},
                user=request.user,
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            return redirect("email_campaigns", slug=self.workspace.slug)
        return redirect("email_campaign", slug=self.workspace.slug, pk=campaign.pk)


class CampaignEditView(EmailPage):
    """The editor of a draft (or scheduled) campaign."""

    template_name = "emails/pages/campaign_edit.html"
    form_permissions = {
        "save": "emails.change",
        "variants": "emails.change",
        "use_variant": "emails.change",
        "test": "emails.change",
        "schedule": "emails.change",
        "send": "emails.change",
    }

    def get(self, request, slug, pk):
        campaign = self._campaign(pk)
        if not campaign.is_editable:
            return redirect("email_campaign_report", slug=slug, pk=campaign.pk)
        return super().get(request, slug=slug, pk=pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self._campaign(kwargs["pk"])
        preview = None
        if campaign.body or campaign.body_html:
            try:
                preview = campaigns.campaign_preview(campaign=campaign)
            except ApplicationError:
                preview = None
        context.update(
            campaign=campaign,
            body_markup=blocks_to_markup(campaign.body) if not campaign.body_html else "",
            preview=preview,
            estimate=campaigns.campaign_estimate(campaign=campaign),
            senders=selectors.sender_list(),
            segments=segment_choices(),
            languages=settings.LANGUAGES,
            segment_id=(campaign.audience or {}).get("segment_id"),
            ai_variants=campaign.ai_variants or [],
        )
        return context

    def post(self, request, slug, pk):
        campaign = self._campaign(pk)
        action = request.POST.get("action", "")
        post = request.POST
        try:
            if action == "save":
                data = {
                    "name": post.get("name", ""),
                    "subject": post.get("subject", ""),
                    "preheader": post.get("preheader", ""),
                    "language": post.get("language", campaign.language),
                    "sender_id": int(post["sender"]) if post.get("sender", "").isdigit() else None,
                    "audience": {"segment_id": int(post["segment"])} if post.get("segment", "").isdigit() else {},
                }
                if not campaign.body_html or post.get("body"):
                    data["body"] = markup_to_blocks(post.get("body", ""))
                campaigns.campaign_update(campaign=campaign, data=data)
                messages.success(request, _("Saved."))
            elif action == "variants":
                count = int(post.get("count", "2")) if post.get("count", "").isdigit() else 2
                campaigns.campaign_variants(
                    campaign=campaign, brief=post.get("brief", ""), count=count, user=request.user
                )
                messages.success(request, _("The AI wrote new variants below."))
            elif action == "use_variant":
                index = int(post.get("index", "-1")) if post.get("index", "").isdigit() else -1
                if not 0 <= index < len(campaign.ai_variants or []):
                    raise ValidationFailed(details={"index": [_("Unknown variant.")]})
                variant = campaign.ai_variants[index]
                campaigns.campaign_update(
                    campaign=campaign,
                    data={
                        "subject": variant.get("subject", ""),
                        "preheader": variant.get("preheader", ""),
                        "body": variant.get("body", []),
                    },
                )
                messages.success(request, _("Variant applied."))
            elif action == "test":
                campaigns.campaign_test_send(campaign=campaign, to=post.get("to", ""), user=request.user)
                messages.success(request, _("Test sent."))
            elif action == "schedule":
                when = parse_local(post.get("schedule_at", "")) if post.get("schedule_at") else None
                if post.get("schedule_at") and when is None:
                    raise ValidationFailed(details={"schedule_at": [_("Enter a date and time.")]})
                campaigns.campaign_update(campaign=campaign, data={"schedule_at": when})
                messages.success(request, _("Scheduled.") if when else _("Schedule removed."))
            elif action == "send":
                dispatch.campaign_send(campaign=campaign, user=request.user, request=request)
                messages.success(request, _("Sending. The report fills in as messages go out."))
                return redirect("email_campaign_report", slug=slug, pk=campaign.pk)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        return redirect("email_campaign", slug=slug, pk=campaign.pk)


STAT_LABELS = (
    ("delivered", gettext_lazy("Delivered")),
    ("opened", gettext_lazy("Opened")),
    ("clicked", gettext_lazy("Clicked")),
    ("unsubscribed", gettext_lazy("Unsubscribed")),
    ("bounced", gettext_lazy("Bounced")),
)


class CampaignReportView(EmailPage):
    template_name = "emails/pages/campaign_report.html"

    def get_context_data(self, **kwargs):
        from analytics.svg import category_bars

        context = super().get_context_data(**kwargs)
        campaign = self._campaign(kwargs["pk"])
        stats = selectors.campaign_stats(campaign=campaign)
        rates = stats["rates"]
        rows = [
            (
                label,
                stats[key],
                100
                * rates.get(
                    {
                        "delivered": "delivery",
                        "opened": "open",
                        "clicked": "click",
                        "unsubscribed": "unsubscribe",
                        "bounced": "bounce",
                    }[key]
                ),
            )
            for key, label in STAT_LABELS
        ]
        chart = category_bars(
            title=_("What happened to the campaign's e-mails"),
            categories=[(str(label), value) for label, value, _rate in rows],
            rtl=translation.get_language_bidi(),
            label_id="campaign-chart",
        )
        context.update(campaign=campaign, stats=stats, rows=rows, chart=chart)
        return context
