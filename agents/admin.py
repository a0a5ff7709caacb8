"""Staff console for AI agents: every workspace's agents, knowledge, chunks,
conversations and messages. Agents are edited by their workspace; staff may
rebuild an agent's search index (after a change of PostgreSQL text-search
configuration). Conversations and messages are read-only here."""

from __future__ import annotations

from django.contrib import admin

from agents import retrieval
from agents.models import Agent, Chunk, Conversation, Knowledge, Message
from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin, staff_action


class KnowledgeInline(admin.TabularInline):
    model = Knowledge
    fields = ("title", "kind", "source", "chunk_count", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Agent)
class AgentAdmin(WorkspaceOwnedAdmin):
    list_display = ("name", "workspace", "language", "status", "whatsapp_account", "daily_credit_cap", "created_at")
    list_filter = ("status", "language", "tone")
    search_fields = ("name", "public_key", "workspace__name")
    readonly_fields = ("public_key", "last_evaluation", "credits_charged", "created_by", "created_at", "updated_at")
    inlines = [KnowledgeInline]
    actions = ["reindex"]

    @staff_action("agents.admin.reindex", description="Rebuild the search index")
    def reindex(self, request, queryset):
        for agent in queryset:
            retrieval.reindex_agent(agent=agent)


@admin.register(Knowledge)
class KnowledgeAdmin(WorkspaceOwnedAdmin):
    list_display = ("title", "agent", "workspace", "kind", "chunk_count", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "source")
    readonly_fields = ("agent", "kind", "source", "chunk_count", "created_at", "updated_at")


@admin.register(Chunk)
class ChunkAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "agent", "workspace", "position")
    search_fields = ("text",)
    list_select_related = ("agent", "workspace")
    exclude = ("search",)


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("role", "content", "tool", "credits", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "workspace", "agent", "channel", "flagged", "paused", "credits_spent", "last_message_at")
    list_filter = ("channel", "flagged", "paused")
    list_select_related = ("workspace", "agent")
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "workspace", "conversation", "role", "tool", "credits", "created_at")
    list_filter = ("role",)
    list_select_related = ("workspace", "conversation")
    search_fields = ("content",)
