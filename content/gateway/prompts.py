"""Prompt templates: versioned text files under `content/prompts/<version>/`.

Layout of a version directory:
    system.txt                    the system message (with $language_instructions)
    language/<lang>.txt           how to write in that language (written in it)
    tone/<tone>.txt               tone instructions
    length/<length>.txt           length instructions
    <task>/<name>.txt             the user message, e.g. content/blog_post.txt,
    <task>/<name>.<lang>.txt      …optionally specialised per language
    ideas.txt, landing_page.txt   structured (JSON) tasks

Templates use `string.Template` placeholders (`$prompt`, `${niche}`), filled
with `safe_substitute`: user input is inserted as data and never parsed as a
template, so `{{7*7}}` or `$x` in a prompt stays literally what it is.
Bumping `PROMPT_VERSION` (a new directory) lets older rows keep saying which
prompts made them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

from content.gateway.base import Message

PROMPT_VERSION = "v1"
PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "pt": "Portuguese", "ar": "Arabic", "he": "Hebrew"}


class PromptNotFound(LookupError):
    pass


@cache
def _read(version: str, relative: str) -> str | None:
    path = (PROMPTS_DIR / version / relative).resolve()
    if not path.is_relative_to(PROMPTS_DIR) or not path.is_file():
        return None
    return path.read_text(encoding="utf-8").strip()


def template_text(name: str, *, language: str | None = None, version: str = PROMPT_VERSION) -> str:
    """The text of `name` (e.g. "content/email"), preferring `<name>.<language>.txt`."""
    candidates = ([f"{name}.{language}.txt"] if language else []) + [f"{name}.txt"]
    for relative in candidates:
        text = _read(version, relative)
        if text is not None:
            return text
    raise PromptNotFound(f"No prompt template {name!r} in {version}")


def render(name: str, variables: dict, *, language: str | None = None, version: str = PROMPT_VERSION) -> str:
    return Template(template_text(name, language=language, version=version)).safe_substitute(variables)


def build_messages(name: str, variables: dict, *, language: str, version: str = PROMPT_VERSION) -> tuple[Message, ...]:
    """System + user messages for task template `name` in `language`.

    `variables` may name a `tone` and a `length`; their instruction files are
    rendered in as `$tone_instructions` / `$length_instructions`."""
    context = {key: ("" if value is None else str(value)) for key, value in variables.items()}
    context["language_name"] = LANGUAGE_NAMES.get(language, language)
    context["language_instructions"] = render(f"language/{language}", context, version=version)
    if variables.get("tone"):
        context["tone_instructions"] = render(f"tone/{variables['tone']}", context, version=version)
    if variables.get("length"):
        context["length_instructions"] = render(f"length/{variables['length']}", context, version=version)
    system = render("system", context, language=language, version=version)
    user = render(name, context, language=language, version=version)
    return (Message("system", system), Message("user", user))


def available_templates(version: str = PROMPT_VERSION) -> list[tuple[str, str]]:
    """(relative path, text) of every template in `version`, for the admin."""
    root = PROMPTS_DIR / version
    return [(str(p.relative_to(root)), p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.txt"))]
