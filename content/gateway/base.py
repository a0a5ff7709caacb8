"""The text-generation interface every provider implements.

A `TextRequest` carries two views of the same ask:
- `messages` — the rendered prompt (system + user) for a real language model;
- `task` + `variables` — what the prompt was rendered from, so the offline
  provider can build useful, language-correct output from its templates
  without a model.

Providers return a `TextResult` or raise `nexusone.errors.ProviderError` /
`ProviderTimeout` with `details = {"provider", "reason", …}`; they never
raise anything else for a provider-side failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class TextRequest:
    task: str  # e.g. "content.generate", "content.ideas", "content.landing_page", "agents.reply"
    language: str  # en | es | pt | ar | he
    messages: tuple[Message, ...]
    variables: Mapping[str, Any] = field(default_factory=dict)
    max_tokens: int = 800
    temperature: float = 0.7
    json_output: bool = False  # ask for a JSON object (OpenAI `response_format`)
    prompt_version: str = ""


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    estimated: bool = False  # True when counted by us (offline) rather than reported by a provider


@dataclass(frozen=True)
class TextResult:
    text: str
    provider: str  # "openai" | "offline" | …
    model: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = ""
    prompt_version: str = ""
    response_id: str = ""
    # Whose key served: "workspace" (its own, from the integrations vault) or
    # "platform" (OPENAI_API_KEY); empty for the offline provider.
    key_source: str = ""
    key_last4: str = ""

    def metadata(self) -> dict[str, Any]:
        """What goes on the usage event (via the charge handle)."""
        key = {"key_source": self.key_source, "key_last4": self.key_last4} if self.key_source else {}
        return {
            **key,
            "provider": self.provider,
            "model": self.model,
            "prompt_version": self.prompt_version,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "total_tokens": self.usage.total_tokens,
            "tokens_estimated": self.usage.estimated,
            "finish_reason": self.finish_reason,
        }


@runtime_checkable
class TextProvider(Protocol):
    name: str
    model: str

    def complete(self, request: TextRequest) -> TextResult: ...
