"""The offline provider writes about the prompt's subject (issue 17, point 6):
never the instruction, never the prompt cut with "…", and hashtags that are
valid in every script."""

from __future__ import annotations

import re
from itertools import product

import pytest

from content.gateway import generate_text
from content.gateway.offline import OfflineProvider
from content.gateway.offline_topic import MAX_SUBJECT, hashtags, subject
from content.models import ContentType, Length, Tone

# (instruction prompt, its subject, words that must not reach the text)
INSTRUCTIONS = {
    "en": (
        "Write an Instagram post announcing our new line of handmade ceramic mugs that are dishwasher safe, "
        "come in six colours and ship worldwide from our studio in Porto",
        "our new line of handmade ceramic mugs",
        ("Write", "Instagram post", "announcing"),
    ),
    "es": (
        "Escribe una publicación para anunciar nuestra nueva colección de velas artesanales de soja con aromas "
        "de temporada y envío gratis a toda España",
        "nuestra nueva colección de velas artesanales de soja",
        ("Escribe", "publicación", "anunciar"),
    ),
    "pt": (
        "Crie um post para divulgar a nossa promoção de fim de semana em bolos caseiros, com entrega grátis no Porto",
        "nossa promoção de fim de semana em bolos caseiros",
        ("Crie", "divulgar"),
    ),
    "ar": (
        "اكتب منشورًا عن تخفيضات نهاية الأسبوع على العطور الشرقية الفاخرة مع شحن مجاني لجميع الطلبات",
        "تخفيضات نهاية الأسبوع على العطور الشرقية الفاخرة",
        ("اكتب", "منشورًا"),
    ),
    "he": (
        "כתוב פוסט על מבצע השקה לקולקציית הקיץ של בגדי ים לנשים עם משלוח חינם לכל הארץ ולכל הגילאים בכל העונות",
        "מבצע השקה לקולקציית הקיץ של בגדי ים לנשים",
        ("כתוב", "פוסט"),
    ),
}
# A valid hashtag: letters (any script) and digits, words joined by single underscores.
HASHTAG = re.compile(r"^#[^\W\d_]+(?:_?[^\W_]+)*$")


@pytest.mark.parametrize("language", INSTRUCTIONS)
def test_subject_drops_the_instruction_and_keeps_whole_words(language):
    prompt, expected, _words = INSTRUCTIONS[language]
    assert subject(prompt, language) == expected
    assert len(expected) <= MAX_SUBJECT


def test_a_long_topic_is_shortened_after_whole_words_without_an_ellipsis():
    text = subject(
        "Spring collection launch of handmade ceramic mugs bowls vases plates cups and saucers and more", "en"
    )
    assert len(text) <= MAX_SUBJECT and "…" not in text
    assert not text.endswith((" and", " of", " the"))
    assert subject("", "en") == ""


@pytest.mark.parametrize("language", INSTRUCTIONS)
def test_every_type_writes_about_the_subject_without_the_instruction(language):
    prompt, expected, words = INSTRUCTIONS[language]
    for kind, tone, length in product(ContentType.values, Tone.values, Length.values):
        text = generate_text(
            task="content.generate",
            template=f"content/{kind}",
            language=language,
            variables={"prompt": prompt, "type": kind, "tone": tone, "length": length},
            provider=OfflineProvider(),
        ).text
        assert "…" not in text, (kind, tone, length)
        assert expected[1:] in text, (kind, tone, length)  # the subject, whole (its first letter may be a capital)
        for word in words:
            assert word not in text, (word, kind, tone, length)
        if kind == "social_media":
            tags = text.splitlines()[-1].split(" ")
            assert tags and all(HASHTAG.match(tag) for tag in tags), tags


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("our new line of handmade ceramic mugs", "en", ["#HandmadeCeramicMugs"]),
        ("Valentine's day gift boxes", "en", ["#DayGiftBoxes"]),
        ("تخفيضات نهاية الأسبوع", "ar", ["#تخفيضات_نهاية"]),
        ("منشورًا جديدًا", "ar", ["#منشورا_جديدا"]),  # the tanween is dropped, not a split point
        ("מבצע השקה לקולקציית הקיץ", "he", ["#מבצע_השקה"]),
        ("2025", "en", []),
    ],
)
def test_hashtags_are_valid(text, language, expected):
    tags = hashtags(text, language)
    assert tags == expected
    assert all(HASHTAG.match(tag) for tag in tags)
