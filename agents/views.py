"""AI agents pages (/<lang>/w/<slug>/agents/…): the list (and a new agent
from a pasted FAQ), the builder (settings, knowledge with chunk counts,
channels: widget snippet with allowed origins, WhatsApp number), the
playground, and the conversations inbox with the handoff queue and human
replies. Thin: form → service → redirect with a message; errors come back as
messages. Roles as in the API."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents import replies, selectors, services
from agents.forms import AgentForm, KnowledgeForm, MessageForm, NewAgentForm
from agents.models import Agent, Conversation, Knowledge, Message
from nexusone.errors import ApplicationError
from nexusone.pages import WorkspacePageMixin


def _error_message(exc: ApplicationError) -> str:
    details = exc.details or {}
    if exc.code == "insufficient_credits":
        return _("Not enough credits: %(needed)s needed, %(available)s available.") % details
    for value in details.values():
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
    return str(exc.message)


class _Page(WorkspacePageMixin, TemplateView):
    section = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["section"] = self.section
        return context

    def _agent(self) -> Agent:
        agent = Agent.objects.filter(pk=self.kwargs["pk"]).first()
        if agent is None:
            raise Http404
        return agent


class AgentListPage(_Page):
    template_name = "agents/list.html"
    section = "agents"
    form_permissions = {"create": "agents.change"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["agents"] = list(Agent.objects.order_by("-created_at", "-id")[:200])
        context.setdefault("form", NewAgentForm(initial={"request_token": uuid.uuid4().hex}))
        return context

    def post(self, request, slug):
        form = NewAgentForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        knowledge = [{"title": _("FAQ"), "content": data["faq"]}] if data.get("faq") else []
        try:
            agent = services.agent_create(
                workspace=self.workspace,
                user=request.user,
                values={k: data[k] for k in ("name", "language", "tone", "instructions")},
                knowledge=knowledge,
                idempotency_key=f"page:{data['request_token']}",
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Agent created."))
        return redirect("agents_builder", slug=slug, pk=agent.pk)


class AgentBuilderPage(_Page):
    template_name = "agents/builder.html"
    section = "agents"
    form_permissions = {
        "save": "agents.change",
        "knowledge": "agents.change",
        "forget": "agents.change",
        "delete": "agents.agent.delete",
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agent = self._agent()
        context["agent"] = agent
        context["knowledge"] = list(selectors.knowledge_of(agent))
        context.setdefault("form", AgentForm(instance=agent, workspace=self.workspace))
        context.setdefault("knowledge_form", KnowledgeForm())
        script = self.request.build_absolute_uri(f"/a/{agent.public_key}/widget.js")
        context["snippet"] = f'<script src="{script}" defer></script>'
        return context

    def post(self, request, slug, pk):
        agent = self._agent()
        action = request.POST.get("action")
        try:
            if action == "save":
                form = AgentForm(request.POST, instance=agent, workspace=self.workspace)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                services.agent_update(agent=agent, values=form.values())
                messages.success(request, _("Agent saved."))
            elif action == "knowledge":
                form = KnowledgeForm(request.POST, request.FILES)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(knowledge_form=form))
                data = form.cleaned_data
                if data.get("file"):
                    upload = data["file"]
                    services.knowledge_add_file(agent=agent, name=upload.name, data=upload.read(), title=data["title"])
                elif data.get("url"):
                    services.knowledge_add_url(agent=agent, url=data["url"], title=data["title"])
                else:
                    services.knowledge_add_text(agent=agent, title=data["title"], content=data["content"])
                messages.success(request, _("Knowledge added."))
            elif action == "forget":
                item = Knowledge.objects.filter(agent=agent, pk=request.POST.get("knowledge")).first()
                if item is not None:
                    services.knowledge_delete(knowledge=item)
                    messages.success(request, _("Knowledge removed."))
            elif action == "delete":
                services.agent_delete(agent=agent)
                messages.success(request, _("Agent deleted."))
                return redirect("agents_list", slug=slug)
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect("agents_builder", slug=slug, pk=pk)


class PlaygroundPage(_Page):
    """Chat with the agent (draft or published) before publishing; same costs."""

    template_name = "agents/playground.html"
    section = "agents"
    form_permissions = {"ask": "agents.change", "restart": "agents.change"}

    def _conversation(self, agent: Agent) -> Conversation | None:
        conversation_id = self.request.GET.get("c") or self.request.POST.get("conversation")
        if not conversation_id or not str(conversation_id).isdigit():
            return None
        return Conversation.objects.filter(pk=conversation_id, agent=agent, channel="playground").first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agent = self._agent()
        conversation = self._conversation(agent)
        context.update(agent=agent, conversation=conversation)
        context["thread"] = (
            list(Message.objects.filter(conversation=conversation).exclude(role="tool").order_by("id"))
            if conversation
            else []
        )
        context.setdefault("form", MessageForm())
        return context

    def post(self, request, slug, pk):
        agent = self._agent()
        form = MessageForm(request.POST)
        if request.POST.get("action") == "restart" or not form.is_valid():
            return redirect("agents_playground", slug=slug, pk=pk)
        conversation = self._conversation(agent) or services.conversation_start(agent=agent, channel="playground")
        try:
            content = form.cleaned_data["content"]
            replies.reply_to(agent=agent, conversation=conversation, content=content, user=request.user)
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect(f"{request.path}?c={conversation.pk}")


class ConversationsPage(_Page):
    template_name = "agents/conversations.html"
    section = "conversations"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = Conversation.objects.select_related("agent")
        channel, flagged, agent_id = (self.request.GET.get(k, "") for k in ("channel", "flagged", "agent"))
        if channel in Conversation.Channel.values:
            queryset = queryset.filter(channel=channel)
        if flagged == "1":
            queryset = queryset.filter(flagged=True)
        if agent_id.isdigit():
            queryset = queryset.filter(agent_id=agent_id)
        context["conversations"] = list(selectors.conversations(queryset)[:200])
        context["queue"] = list(selectors.handoff_queue()[:50])
        context["agents"] = list(Agent.objects.order_by("name"))
        context["channels"] = Conversation.Channel.choices
        context["filters"] = {"channel": channel, "flagged": flagged, "agent": agent_id}
        return context


class ConversationPage(_Page):
    template_name = "agents/conversation.html"
    section = "conversations"
    form_permissions = {"reply": "agents.change", "release": "agents.change"}

    def _conversation(self) -> Conversation:
        conversation = Conversation.objects.select_related("agent").filter(pk=self.kwargs["pk"]).first()
        if conversation is None:
            raise Http404
        return conversation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        conversation = self._conversation()
        context["conversation"] = conversation
        context["thread"] = list(Message.objects.filter(conversation=conversation).order_by("id")[:500])
        context.setdefault("form", MessageForm())
        return context

    def post(self, request, slug, pk):
        conversation = self._conversation()
        try:
            if request.POST.get("action") == "release":
                services.conversation_release(conversation=conversation)
                messages.success(request, _("The agent answers this conversation again."))
            else:
                form = MessageForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                services.human_reply(conversation=conversation, user=request.user, content=form.cleaned_data["content"])
                messages.success(request, _("Reply sent. The agent is paused for this conversation."))
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect("agents_conversation", slug=slug, pk=pk)
