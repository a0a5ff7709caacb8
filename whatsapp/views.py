"""WhatsApp pages (/<lang>/w/<slug>/whatsapp/…): numbers, templates, the
broadcast composer (recipient count and cost preview before sending,
schedule), broadcast progress (htmx polling), the inbox, bot rules and
opt-outs. Thin: form → service → redirect with a message; errors come back as
messages. Roles as in the API: admins connect numbers, members send."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from nexusone.errors import ApplicationError
from nexusone.pages import WorkspacePageMixin
from nexusone.refusals import refusal_message
from whatsapp import credits, crm_bridge, selectors
from whatsapp.forms import AccountForm, BotRuleForm, BroadcastForm, OptOutForm, ReplyForm
from whatsapp.models import BotRule, Broadcast, Conversation, Message, OptOut, WhatsAppAccount
from whatsapp.services import accounts as account_services
from whatsapp.services import broadcasts as broadcast_services
from whatsapp.services import conversations as conversation_services
from whatsapp.services import optouts as optout_services
from whatsapp.services.bots import bot_rule_save
from whatsapp.services.conversations import window_open


def _error_message(exc: ApplicationError) -> str:
    details = exc.details or {}
    if exc.code in ("insufficient_credits", "quota_exceeded", "plan_required"):
        return refusal_message(exc)
    for value in details.values():
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
    return str(exc.message)


class _Page(WorkspacePageMixin, TemplateView):
    section = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["section"] = self.section
        context["accounts"] = list(selectors.account_list())
        return context


class AccountsPage(_Page):
    template_name = "whatsapp/accounts.html"
    section = "accounts"
    form_permissions = {
        "connect": "whatsapp.account.connect",
        "remove": "whatsapp.account.remove",
        "sync": "whatsapp.change",
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", AccountForm())
        return context

    def post(self, request, slug):
        action = request.POST.get("action")
        try:
            if action == "connect":
                form = AccountForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                account_services.account_connect(
                    workspace=self.workspace, user=request.user, request=request, **form.cleaned_data
                )
                messages.success(request, _("Number connected."))
            elif action == "remove":
                account = self._account(request.POST.get("account"))
                account_services.account_delete(
                    workspace=self.workspace, account=account, user=request.user, request=request
                )
                messages.success(request, _("Number removed."))
            elif action == "sync":
                result = account_services.templates_sync(account=self._account(request.POST.get("account")))
                messages.success(request, _("Templates synced: %(created)d new, %(updated)d updated.") % result)
            else:
                messages.error(request, _("Unknown action."))
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect("whatsapp_accounts", slug=slug)

    @staticmethod
    def _account(value) -> WhatsAppAccount:
        account = WhatsAppAccount.objects.filter(pk=value).first() if str(value).isdigit() else None
        if account is None:
            raise Http404
        return account


class TemplatesPage(_Page):
    template_name = "whatsapp/templates.html"
    section = "templates"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = selectors.template_list()
        return context


class BroadcastsPage(_Page):
    template_name = "whatsapp/broadcasts.html"
    section = "broadcasts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["broadcasts"] = selectors.broadcast_list()[:100]
        return context


class BroadcastComposePage(_Page):
    """Compose: preview (recipient count and cost) first, then send."""

    template_name = "whatsapp/broadcast_new.html"
    section = "broadcasts"

    def _form(self, data=None):
        accounts = list(selectors.account_list())
        templates = [t for a in accounts for t in selectors.approved_templates(account=a)]
        return BroadcastForm(data, accounts=accounts, templates=templates, segments=crm_bridge.segment_choices())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self._form())
        context["unit_cost"] = credits.unit_cost()
        context["balance"] = credits.balance(workspace=self.workspace)
        return context

    def post(self, request, slug):
        form = self._form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        recipients = form.recipient_list() if data["source"] == "list" else None
        segment_id = data.get("segment") if data["source"] == "segment" else None
        try:
            if request.POST.get("action") == "preview":
                preview = broadcast_services.broadcast_preview(
                    workspace=self.workspace, recipients=recipients, segment_id=segment_id
                )
                return self.render_to_response(self.get_context_data(form=form, preview=preview))
            account = WhatsAppAccount.objects.filter(pk=data["account"]).first()
            if account is None:
                raise Http404
            created = broadcast_services.broadcast_create(
                workspace=self.workspace,
                user=request.user,
                account=account,
                message=form.message_spec(),
                recipients=recipients,
                segment_id=segment_id,
                schedule_date=data.get("schedule_date"),
                name=data.get("name", ""),
                idempotency_key=f"page:{data.get('form_key') or ''}" if data.get("form_key") else "",
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
            return self.render_to_response(self.get_context_data(form=form))
        if created.rejected_recipients:
            messages.info(
                request, _("%(n)d numbers were not valid and were left out.") % {"n": len(created.rejected_recipients)}
            )
        messages.success(request, _("Broadcast created."))
        return redirect("whatsapp_broadcast", slug=slug, pk=created.broadcast.pk)


class BroadcastPage(_Page):
    template_name = "whatsapp/broadcast_detail.html"
    section = "broadcasts"

    def get_template_names(self):
        if self.request.headers.get("HX-Request") and self.request.GET.get("part") == "progress":
            return ["whatsapp/_broadcast_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        broadcast = Broadcast.objects.filter(pk=self.kwargs["pk"]).select_related("account").first()
        if broadcast is None:
            raise Http404
        status = self.request.GET.get("status") or None
        context.update(
            broadcast=broadcast,
            active=broadcast.status in Broadcast.ACTIVE,
            status_filter=status,
            status_choices=Message.Status.choices,
            recent_messages=selectors.broadcast_messages(broadcast=broadcast, status=status)[:100],
        )
        return context

    def post(self, request, slug, pk):
        broadcast = Broadcast.objects.filter(pk=pk).first()
        if broadcast is None:
            raise Http404
        try:
            broadcast_services.broadcast_cancel(broadcast=broadcast, user=request.user, request=request)
            messages.success(request, _("Broadcast cancelled; unsent messages were refunded."))
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect("whatsapp_broadcast", slug=slug, pk=pk)


class InboxPage(_Page):
    template_name = "whatsapp/inbox.html"
    section = "inbox"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["conversations"] = selectors.conversation_list()[:100]
        return context


class ConversationPage(_Page):
    template_name = "whatsapp/conversation.html"
    section = "inbox"

    def _conversation(self) -> Conversation:
        conversation = Conversation.objects.filter(pk=self.kwargs["pk"]).select_related("account").first()
        if conversation is None:
            raise Http404
        return conversation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        conversation = self._conversation()
        if self.may("whatsapp.change"):
            conversation_services.conversation_mark_read(conversation=conversation)
        recent = list(selectors.conversation_messages(conversation=conversation).order_by("-id")[:100])[::-1]
        context.update(conversation=conversation, thread=recent, window_open=window_open(conversation))
        context.setdefault("form", ReplyForm())
        return context

    def post(self, request, slug, pk):
        conversation = self._conversation()
        form = ReplyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            conversation_services.message_send(
                workspace=self.workspace,
                conversation=conversation,
                user=request.user,
                spec={"type": "text", "text": {"body": form.cleaned_data["text"]}},
            )
            messages.success(request, _("Reply queued."))
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect("whatsapp_conversation", slug=slug, pk=pk)


class BotRulesPage(_Page):
    template_name = "whatsapp/bots.html"
    section = "bots"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rules"] = selectors.bot_rule_list()
        context.setdefault("form", BotRuleForm(accounts=context["accounts"]))
        return context

    def post(self, request, slug):
        action = request.POST.get("action")
        try:
            if action == "create":
                form = BotRuleForm(request.POST, accounts=list(selectors.account_list()))
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                values = dict(form.cleaned_data)
                values["account"] = WhatsAppAccount.objects.get(pk=values.pop("account"))
                bot_rule_save(rule=None, values={**values, "reply_type": BotRule.ReplyType.TEXT})
                messages.success(request, _("Rule added."))
            elif action in ("delete", "toggle"):
                rule = BotRule.objects.filter(pk=request.POST.get("rule") or 0).first()
                if rule is None:
                    raise Http404
                if action == "delete":
                    rule.delete()
                    messages.success(request, _("Rule deleted."))
                else:
                    bot_rule_save(rule=rule, values={"is_active": not rule.is_active})
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect("whatsapp_bots", slug=slug)


class OptOutsPage(_Page):
    template_name = "whatsapp/optouts.html"
    section = "optouts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["optouts"] = selectors.optout_list()[:500]
        context.setdefault("form", OptOutForm())
        return context

    def post(self, request, slug):
        try:
            if request.POST.get("action") == "remove":
                optout = OptOut.objects.filter(pk=request.POST.get("optout") or 0).first()
                if optout is None:
                    raise Http404
                optout_services.optout_remove(
                    workspace=self.workspace, phone=optout.phone, user=request.user, request=request
                )
                messages.success(request, _("The number can receive messages again."))
            else:
                form = OptOutForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                optout_services.optout_add(
                    workspace=self.workspace, phone=form.cleaned_data["phone"], user=request.user, request=request
                )
                messages.success(request, _("Opt-out recorded."))
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect("whatsapp_optouts", slug=slug)
