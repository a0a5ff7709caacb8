"""Readable public addresses for pages whose titles are not in Latin letters.

`slugify()` drops every letter outside ASCII, so an Arabic or Hebrew title
gave `page-3f2a1c`. Here those scripts are transliterated first (a plain,
reversible-enough letter table: consonants and long vowels, no diacritics),
so «مخبز الحي» becomes `mkhbz-alhy` and „מאפיית השכונה” `mapyyt-hshkvnh`:
ASCII addresses that survive every channel (SMS, e-mail, chat apps) and
still say what the page is. Latin letters with accents are folded by
`slugify` itself (NFKD).
"""

from __future__ import annotations

from django.utils.text import slugify

_ARABIC = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh",
    "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "a",
    "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "w", "ي": "y", "ى": "a",
    "ة": "a", "ء": "", "ئ": "y", "ؤ": "w", "پ": "p", "چ": "ch", "گ": "g", "ڤ": "v",
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
}  # fmt: skip
_HEBREW = {
    "א": "a", "ב": "b", "ג": "g", "ד": "d", "ה": "h", "ו": "v", "ז": "z", "ח": "ch", "ט": "t", "י": "y", "כ": "k",
    "ך": "k", "ל": "l", "מ": "m", "ם": "m", "נ": "n", "ן": "n", "ס": "s", "ע": "a", "פ": "p", "ף": "f", "צ": "tz",
    "ץ": "tz", "ק": "k", "ר": "r", "ש": "sh", "ת": "t",
}  # fmt: skip
_TABLE = str.maketrans({**_ARABIC, **_HEBREW})


def transliterate(text: str) -> str:
    """Arabic and Hebrew letters → Latin; their vowel marks (and tatweel) dropped; the rest kept."""
    kept = "".join(ch for ch in str(text or "") if not ("\u064b" <= ch <= "\u065f" or "\u0591" <= ch <= "\u05c7"))
    return kept.replace("\u0640", "").translate(_TABLE)


def readable_slug(title: str, *, max_length: int = 60) -> str:
    """A lower-case ASCII slug of `title` in any of our languages ('' when nothing is left)."""
    return slugify(transliterate(title))[:max_length].strip("-")
