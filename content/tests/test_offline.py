"""The offline provider: deterministic, structured, and in the right language
(Arabic and Hebrew in their scripts) for every type, tone and length, for
ideas and for landing pages."""

from __future__ import annotations

import json
from itertools import product

import pytest

from content.gateway import generate_text
from content.gateway.offline import OfflineProvider, landing_sections
from content.gateway.offline_texts import LANGUAGES, texts
from content.gateway.prompts import available_templates, build_messages
from content.models import ContentType, Length, Tone
from content.sections import validate_sections
from content.services import normalize_ideas

SCRIPTS = {"ar": ("\u0600", "\u06ff"), "he": ("\u0590", "\u05ff")}
PROMPTS = {
    "en": "Handmade soy candles for a spring sale",
    "es": "Velas artesanales de soja para las rebajas de primavera",
    "pt": "Velas artesanais de soja para a promoção de primavera",
    "ar": "شموع صويا مصنوعة يدويًا لتخفيضات الربيع",
    "he": "נרות סויה בעבודת יד למבצע האביב",
}
# Words that only the English templates use: another language's output must not contain them.
ENGLISH_MARKERS = ("the ", "you ", "your ", "with ")


def _generate(language, kind, tone, length, prompt=None):
    return generate_text(
        task="content.generate",
        template=f"content/{kind}",
        language=language,
        variables={"prompt": prompt or PROMPTS[language], "type": kind, "tone": tone, "length": length},
        provider=OfflineProvider(),
    )


def _script_share(text: str, language: str) -> float:
    low, high = SCRIPTS[language]
    letters = [ch for ch in text if ch.isalpha()]
    return sum(low <= ch <= high for ch in letters) / max(1, len(letters))


def test_every_language_module_has_the_same_shape():
    def shape(value):
        if isinstance(value, dict):
            return {key: shape(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [shape(value[0])] * len(value) if value and isinstance(value[0], dict) else len(value)
        return type(value).__name__

    reference = shape(texts("en"))
    for language in LANGUAGES:
        assert shape(texts(language)) == reference, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_type_tone_and_length_gives_text_in_the_language(language):
    for kind, tone, length in product(ContentType.values, Tone.values, Length.values):
        result = _generate(language, kind, tone, length)
        assert result.provider == "offline" and result.model == "offline-templates-v1"
        assert result.usage.estimated and result.usage.total_tokens > 0
        text = result.text
        assert len(text) > 60, (kind, tone, length)
        assert PROMPTS[language] in text  # it is about the user's topic
        if language in SCRIPTS:
            assert _script_share(text.replace(PROMPTS[language], ""), language) > 0.95, (kind, tone, length)
        elif language != "en":
            lowered = text.lower()
            assert not any(marker in lowered for marker in ENGLISH_MARKERS), (language, kind, tone, length)


@pytest.mark.parametrize("language", ["ar", "he"])
def test_rtl_output_stays_in_its_script_even_for_a_latin_prompt(language):
    text = _generate(language, "email", "friendly", "medium", prompt="Organic coffee").text
    assert _script_share(text.replace("Organic coffee", ""), language) > 0.95


def test_output_is_deterministic_and_varies_with_the_request():
    first = _generate("en", "blog_post", "informative", "long")
    assert first.text == _generate("en", "blog_post", "informative", "long").text
    assert first.text != _generate("en", "blog_post", "informative", "long", prompt="Something else").text


def test_the_structure_follows_the_type_and_length():
    blog = _generate("en", "blog_post", "informative", "long").text
    assert blog.startswith("# ") and blog.count("\n## ") == 6  # five sections and a conclusion
    assert _generate("en", "blog_post", "informative", "short").text.count("\n## ") == 3
    email = _generate("pt", "email", "professional", "short").text
    assert email.startswith("Assunto: ") and "Atenciosamente," in email
    post = _generate("es", "social_media", "casual", "medium").text
    assert "#" in post.splitlines()[-1] and post.splitlines()[-1].count("#") == 4
    copy = _generate("en", "marketing_copy", "persuasive", "medium").text
    assert copy.count("\n• ") == 3
    lengths = [len(_generate("en", "text", "casual", length).text) for length in ("short", "medium", "long")]
    assert lengths == sorted(lengths) and lengths[0] < lengths[2] / 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_ideas_are_five_structured_ideas_in_the_language(language):
    result = generate_text(
        task="content.ideas", template="ideas", language=language, json_output=True,
        variables={"niche": PROMPTS[language][:20], "budget": 250}, provider=OfflineProvider(),
    )  # fmt: skip
    ideas = normalize_ideas(json.loads(result.text))
    assert len(ideas) == 5
    assert all(idea["first_steps"] and idea["estimated_startup_cost"]["currency"] == "USD" for idea in ideas)
    assert sum(idea["estimated_startup_cost"]["min"] <= 250 for idea in ideas) >= 4
    if language in SCRIPTS:
        assert _script_share(" ".join(i["summary"] for i in ideas).replace(PROMPTS[language][:20], ""), language) > 0.95


@pytest.mark.parametrize(("language", "goal"), product(LANGUAGES, ["lead_generation", "sales", "sign_up", "download",
                                                                     "contact"]))  # fmt: skip
def test_landing_sections_are_valid_in_every_language_and_goal(language, goal):
    brief = {"title": "Rose", "description": "Coffee.", "target_audience": "offices", "goal": goal, "industry": "food"}
    sections = validate_sections(landing_sections(language, brief))
    assert set(sections) == {"hero", "benefits", "social_proof", "faq", "cta", "form"}
    assert sections["cta"]["button_url"] == "#form"
    if language in SCRIPTS:
        assert _script_share(sections["form"]["success_message"], language) == 1.0


def test_prompts_are_versioned_files_for_every_type_tone_length_and_language():
    names = {name for name, _text in available_templates()}
    for kind in ContentType.values:
        assert f"content/{kind}.txt" in names
    for tone in Tone.values:
        assert f"tone/{tone}.txt" in names
    for language in LANGUAGES:
        assert f"language/{language}.txt" in names
    system, user = build_messages(
        "content/email", {"prompt": "{{7*7}} $tone ${x}", "tone": "casual", "length": "short"}, language="ar"
    )
    assert "العربية" in system.content
    assert "{{7*7}} $tone ${x}" in user.content and "Tone: casual" in user.content  # user input is data
