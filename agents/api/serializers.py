"""Input and output shapes of /api/v1/ai-agents/…"""

from __future__ import annotations

from rest_framework import serializers

from agents.models import LANGUAGE_CHOICES, Agent, Conversation, Knowledge, Message, Tone
from agents.replies import MAX_MESSAGE_CHARS


class KnowledgeTextInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    content = serializers.CharField(max_length=400_000)


class AgentInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    instructions = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    tone = serializers.ChoiceField(choices=Tone.choices, required=False)
    greeting = serializers.CharField(max_length=500, required=False, allow_blank=True)
    knowledge = KnowledgeTextInput(many=True, required=False)
    handoff_keywords = serializers.ListField(child=serializers.CharField(max_length=60), required=False, max_length=30)
    daily_credit_cap = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True)
    allowed_origins = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=20)
    whatsapp_account_id = serializers.IntegerField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Agent.Status.choices, required=False)


class AgentUpdateInput(AgentInput):
    name = serializers.CharField(max_length=120, required=False)
    knowledge = None


class AgentOutput(serializers.ModelSerializer):
    whatsapp_account_id = serializers.IntegerField(allow_null=True)
    knowledge_count = serializers.SerializerMethodField()
    chunk_count = serializers.SerializerMethodField()
    widget_url = serializers.SerializerMethodField()

    class Meta:
        model = Agent
        fields = [
            "id",
            "name",
            "instructions",
            "language",
            "tone",
            "greeting",
            "handoff_keywords",
            "daily_credit_cap",
            "allowed_origins",
            "whatsapp_account_id",
            "status",
            "public_key",
            "widget_url",
            "knowledge_count",
            "chunk_count",
            "last_evaluation",
            "credits_charged",
            "created_at",
            "updated_at",
        ]

    def get_knowledge_count(self, agent: Agent) -> int:
        return agent.knowledge.count()

    def get_chunk_count(self, agent: Agent) -> int:
        return sum(agent.knowledge.values_list("chunk_count", flat=True))

    def get_widget_url(self, agent: Agent) -> str:
        return f"/a/{agent.public_key}/widget.js"


class KnowledgeInput(serializers.Serializer):
    """One of `content` (text), `file` (multipart) or `url`."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    content = serializers.CharField(max_length=400_000, required=False)
    url = serializers.URLField(max_length=1000, required=False)
    file = serializers.FileField(required=False)

    def validate(self, attrs):
        given = [name for name in ("content", "url", "file") if attrs.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError({"content": ["Give exactly one of content, url or file."]})
        return attrs


class KnowledgeOutput(serializers.ModelSerializer):
    class Meta:
        model = Knowledge
        fields = ["id", "kind", "title", "source", "chunk_count", "created_at"]


class AgentConversationStartInput(serializers.Serializer):
    """Members start `api` or `playground` conversations (the widget and WhatsApp start their own)."""

    channel = serializers.ChoiceField(choices=Conversation.Channel.choices, required=False)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)

    def validate_channel(self, value):
        if value not in (Conversation.Channel.API, Conversation.Channel.PLAYGROUND):
            raise serializers.ValidationError("Members start api or playground conversations.")
        return value


class AgentConversationOutput(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        fields = [
            "id",
            "agent_id",
            "channel",
            "language",
            "flagged",
            "flag_reason",
            "paused",
            "contact_id",
            "credits_spent",
            "last_message_at",
            "created_at",
        ]


class AgentMessageOutput(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = [
            "id",
            "role",
            "content",
            "sources",
            "tool",
            "tool_arguments",
            "tool_result",
            "prompt_tokens",
            "completion_tokens",
            "credits",
            "created_at",
        ]


class AgentConversationDetailOutput(AgentConversationOutput):
    messages = AgentMessageOutput(many=True, read_only=True)

    class Meta(AgentConversationOutput.Meta):
        fields = [*AgentConversationOutput.Meta.fields, "messages"]


class AgentMessageInput(serializers.Serializer):
    content = serializers.CharField(max_length=MAX_MESSAGE_CHARS, trim_whitespace=True)


class AgentSourceOutput(serializers.Serializer):
    knowledge_id = serializers.IntegerField()
    title = serializers.CharField()
    excerpt = serializers.CharField()


class AgentUsageOutput(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()


class AgentReplyOutput(serializers.Serializer):
    status = serializers.CharField(help_text="answered | handoff | paused | unavailable")
    reply = serializers.CharField()
    conversation_id = serializers.IntegerField()
    message_id = serializers.IntegerField(allow_null=True)
    sources = AgentSourceOutput(many=True)
    tool_calls = serializers.ListField(child=serializers.DictField())
    usage = AgentUsageOutput()
    credits = serializers.IntegerField()


class EvaluationCaseInput(serializers.Serializer):
    question = serializers.CharField(max_length=MAX_MESSAGE_CHARS)
    must_include = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=20)
    must_not_include = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=20)


class EvaluateInput(serializers.Serializer):
    cases = EvaluationCaseInput(many=True, allow_empty=False, max_length=50)


class EvaluationCaseOutput(serializers.Serializer):
    question = serializers.CharField()
    answer = serializers.CharField()
    passed = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    forbidden = serializers.ListField(child=serializers.CharField())


class EvaluateOutput(serializers.Serializer):
    pass_rate = serializers.FloatField()
    passed = serializers.IntegerField()
    total = serializers.IntegerField()
    credits = serializers.IntegerField()
    cases = EvaluationCaseOutput(many=True)
    evaluated_at = serializers.DateTimeField()


class AgentHumanReplyInput(AgentMessageInput):
    pass
