"""AI agents: custom assistants grounded in a workspace's own knowledge.

Invariants:
- Every row belongs to one workspace (`WorkspaceOwned`). Public handlers (the
  widget, WhatsApp) find an agent through `Agent.unscoped` by its public key
  or its WhatsApp account and then enter that agent's workspace scope.
- A `Knowledge` item is split into `Chunk`s (source + position); `chunk_count`
  is kept equal to its chunks. `Chunk.search` (a tsvector in the agent's
  language configuration) is filled on PostgreSQL only.
- `Agent.idempotency_key` is unique per workspace when set: a replayed
  create finds the agent made (and charged) first.
- `Message.credits` is what that answer cost; the agent's daily cap sums it.
- Texts from visitors and providers are data: templates autoescape them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned

LANGUAGE_CHOICES = list(settings.LANGUAGES)
RTL_LANGUAGES = frozenset({"ar", "he"})
# PostgreSQL text-search configurations per language (`simple` where there is none).
SEARCH_CONFIGS = {"en": "english", "es": "spanish", "pt": "portuguese", "ar": "arabic", "he": "simple"}


def new_public_key() -> str:
    return "ag_" + secrets.token_urlsafe(18)


class Tone(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    FRIENDLY = "friendly", _("Friendly")
    CASUAL = "casual", _("Casual")
    FORMAL = "formal", _("Formal and polite")


class Agent(WorkspaceOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    name = models.CharField(_("name"), max_length=120)
    instructions = models.TextField(_("instructions"), max_length=8000, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="en")
    tone = models.CharField(_("tone"), max_length=20, choices=Tone.choices, default=Tone.FRIENDLY)
    greeting = models.CharField(_("greeting"), max_length=500, blank=True)
    handoff_keywords = models.JSONField(_("handoff keywords"), default=list, blank=True)
    daily_credit_cap = models.PositiveIntegerField(_("daily credit cap"), null=True, blank=True)
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    whatsapp_account = models.ForeignKey(
        "whatsapp.WhatsAppAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agents",
        verbose_name=_("WhatsApp account"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    public_key = models.CharField(max_length=40, unique=True, default=new_public_key, editable=False)
    last_evaluation = models.JSONField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    credits_charged = models.PositiveIntegerField(default=0, editable=False)
    idempotency_key = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="agents_agent_idempotency_unique",
            )
        ]
        verbose_name = _("AI agent")
        verbose_name_plural = _("AI agents")

    def __str__(self) -> str:
        return self.name

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RTL_LANGUAGES else "ltr"

    @property
    def search_config(self) -> str:
        return SEARCH_CONFIGS.get(self.language, "simple")


class Knowledge(WorkspaceOwned):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        FILE = "file", _("File")
        URL = "url", _("Web page")

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="knowledge")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=1000, blank=True)  # file name or URL
    content = models.TextField(_("content"))
    chunk_count = models.PositiveIntegerField(_("chunks"), default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("knowledge item")
        verbose_name_plural = _("knowledge")

    def __str__(self) -> str:
        return self.title


class Chunk(WorkspaceOwned):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="chunks")
    knowledge = models.ForeignKey(Knowledge, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    text = models.TextField()
    search = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["knowledge_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["knowledge", "position"], name="agents_chunk_position_unique"),
        ]
        indexes = [models.Index(fields=["agent", "knowledge"], name="agents_chunk_agent")]

    def __str__(self) -> str:
        return f"{self.knowledge_id}#{self.position}"


class Conversation(WorkspaceOwned):
    class Channel(models.TextChoices):
        WEB = "web", _("Web widget")
        WHATSAPP = "whatsapp", _("WhatsApp")
        PLAYGROUND = "playground", _("Playground")
        API = "api", _("API")

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.API)
    language = models.CharField(_("language"), max_length=8, blank=True)
    visitor_id = models.CharField(max_length=64, blank=True, db_index=True)
    whatsapp_conversation = models.ForeignKey(
        "whatsapp.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagged = models.BooleanField(_("needs a human"), default=False)
    flag_reason = models.CharField(_("reason"), max_length=200, blank=True)
    paused = models.BooleanField(_("agent paused"), default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    contact_id = models.PositiveBigIntegerField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    credits_spent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("agent conversation")
        verbose_name_plural = _("agent conversations")

    def __str__(self) -> str:
        return f"{self.agent_id}/{self.pk} ({self.channel})"


class Message(WorkspaceOwned):
    class Role(models.TextChoices):
        USER = "user", _("Visitor")
        ASSISTANT = "assistant", _("Agent")
        HUMAN = "human", _("Team member")
        TOOL = "tool", _("Tool call")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=12, choices=Role.choices)
    content = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)
    tool = models.CharField(max_length=40, blank=True)
    tool_arguments = models.JSONField(null=True, blank=True)
    tool_result = models.JSONField(null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    credits = models.PositiveIntegerField(default=0)
    provider = models.CharField(max_length=32, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "id"], name="agents_message_conversation")]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:40]}"
