"""What a prompt is about, for the offline provider's templates.

People write prompts as instructions ("Write an Instagram post announcing
our new line of handmade mugs that are dishwasher safe, come in six colours
and ship worldwide"). The templates need the *subject* ("our new line of
handmade mugs"), whole: never the instruction, never a phrase cut in the
middle with "…". And hashtags made of that subject's words, valid in every
script (letters and digits only; Arabic and Hebrew words joined with "_",
their vowel marks dropped so a word is not split at a mark).

- `subject(prompt, language)`: the first sentence; the instruction in front
  of it removed (per language); a long subject shortened at a clause
  boundary (a comma, "that", "with" …) or else after whole words, with the
  dangling little words ("and", "of", "de", "و" …) taken off the end.
- `hashtags(subject, language)`: a tag from the subject's content words.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SUBJECT = 64
SHORT_SUBJECT = 40  # longer subjects end at their first clause boundary (", free returns …") when they have one

_KIND_WORDS = {
    "en": r"(?:instagram|facebook|linkedin|tiktok|twitter|x|social(?:\s+media)?|blog|e-?mail|newsletter|marketing|"
    r"short|long|quick|fun|catchy|friendly|professional|engaging|new|promotional)",
    "es": r"(?:instagram|facebook|linkedin|tiktok|twitter|redes(?:\s+sociales)?|blog|correo|newsletter|"
    r"breve|corta|corto|larga|largo|nueva|nuevo|divertida|atractiva|promocional)",
    "pt": r"(?:instagram|facebook|linkedin|tiktok|twitter|redes(?:\s+sociais)?|blog|e-?mail|newsletter|"
    r"curta|curto|longa|longo|nova|novo|divertida|atraente|promocional)",
}
_LEADS = {
    "en": re.compile(
        r"^(?:please\s+)?(?:can you\s+)?(?:write|create|generate|draft|make|compose|prepare|give me|come up with)\s+"
        r"(?:me\s+|us\s+)?(?:an?\s+|the\s+|some\s+|\d+\s+)?(?:" + _KIND_WORDS["en"] + r"\s+)*"
        r"(?:post|posts|caption|captions|tweet|tweets|article|story|e-?mail|newsletter|copy|text|ad|ads|message|"
        r"description|announcement|headline|headlines)?\s*"
        r"(?:to announce|to promote|to introduce|that announces|that promotes|announcing|promoting|introducing|"
        r"presenting|about|for|on)?\s+",
        re.IGNORECASE,
    ),
    "es": re.compile(
        r"^(?:por favor\s*,?\s*)?(?:escribe|escribir|crea|crear|genera|generar|redacta|redactar|haz|hacer|prepara)\s+"
        r"(?:me\s+)?(?:una?\s+|el\s+|la\s+|unos\s+|unas\s+)?(?:" + _KIND_WORDS["es"] + r"\s+)*"
        r"(?:publicaci[oó]n|post|texto|art[ií]culo|correo|email|anuncio|mensaje|descripci[oó]n|copy|tuit)?\s*"
        r"(?:" + _KIND_WORDS["es"] + r"\s+)*"
        r"(?:para anunciar|para promocionar|para presentar|acerca de|que anuncie|que promocione|anunciando|"
        r"promocionando|sobre|para|de)?\s+",
        re.IGNORECASE,
    ),
    "pt": re.compile(
        r"^(?:por favor\s*,?\s*)?(?:escreva|escrever|crie|criar|gere|gerar|redija|fa[cç]a|prepare)\s+"
        r"(?:um\s+|uma\s+|o\s+|a\s+|uns\s+|umas\s+)?(?:" + _KIND_WORDS["pt"] + r"\s+)*"
        r"(?:publica[cç][aã]o|post|texto|artigo|e-?mail|an[uú]ncio|mensagem|descri[cç][aã]o|copy|legenda)?\s*"
        r"(?:" + _KIND_WORDS["pt"] + r"\s+)*"
        r"(?:para anunciar|para divulgar|para promover|para apresentar|que anuncie|que divulgue|anunciando|"
        r"divulgando|sobre|para|de)?\s+",
        re.IGNORECASE,
    ),
    "ar": re.compile(
        r"^(?:من فضلك\s+)?(?:اكتب|اكتبي|أنشئ|انشئ|أنشئي|صمم|حضّر|جهز)\s+(?:لي\s+)?"
        r"(?:منشورًا|منشورا|منشور|نصًا|نصا|نص|مقالًا|مقالا|مقال|إعلانًا|إعلانا|إعلان|رسالة|بريدًا|بريدا|وصفًا|وصفا)?"
        r"\s*(?:قصيرًا|قصيرا|جذابًا|جذابا|ترويجيًا|ترويجيا)?\s*(?:للإعلان عن|للترويج ل|يعلن عن|عن|حول|لـ|ل)?\s+"
    ),
    "he": re.compile(
        r"^(?:בבקשה\s+)?(?:כתוב|כתבי|כתבו|צור|צרי|צרו|נסח|נסחי|הכן|הכיני)\s+(?:לי\s+)?"
        r"(?:פוסט|טקסט|מאמר|מודעה|הודעה|מייל|תיאור|כיתוב)?\s*(?:קצר|קצרה|קליט|קליטה|שיווקי|שיווקית)?\s*"
        r"(?:שמכריז על|שמקדם את|בנושא|עבור|על)?\s+"
    ),
}
_CLAUSE = {
    "en": r",|;| – | — | - | \(| that | which | who | with | so that | because ",
    "es": r",|;| – | — | - | \(| que | con | porque | para que ",
    "pt": r",|;| – | — | - | \(| que | com | porque | para que ",
    "ar": r"،|,|؛|;| – | — | - | \(| التي | الذي | مع | لأن ",
    "he": r",|;| – | — | - | \(| עם | כי | אשר ",
}
_TRAILING = {
    "en": {"and", "or", "of", "for", "the", "a", "an", "with", "to", "in", "on", "at", "by", "from", "our", "your"},
    "es": {"y", "o", "de", "del", "la", "el", "los", "las", "para", "con", "en", "un", "una", "a", "al", "por", "su"},
    "pt": {"e", "ou", "de", "do", "da", "dos", "das", "para", "com", "em", "no", "na", "um", "uma", "o", "a", "os",
           "as", "ao", "por", "sua", "seu"},
    "ar": {"و", "في", "من", "على", "إلى", "مع", "عن", "أو", "ثم"},
    "he": {"ו", "של", "על", "עם", "את", "ב", "או", "גם", "אל", "מ"},
}  # fmt: skip
_STOPWORDS = {
    "en": _TRAILING["en"] | {"new", "this", "that", "these", "our", "my", "all", "more", "are", "is", "its"},
    "es": _TRAILING["es"] | {"nuevo", "nueva", "nuestra", "nuestro", "nuestras", "nuestros", "este", "esta", "más"},
    "pt": _TRAILING["pt"] | {"novo", "nova", "nossa", "nosso", "nossas", "nossos", "este", "esta", "mais"},
    "ar": _TRAILING["ar"] | {"جديد", "جديدة", "هذا", "هذه", "كل", "لجميع", "جميع"},
    "he": _TRAILING["he"] | {"חדש", "חדשה", "זה", "זו", "כל", "שלנו"},
}
_SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+|\n")
_UNCASED_SCRIPT = re.compile(r"[\u0590-\u05ff\u0600-\u06ff]")


def _language(language: str) -> str:
    return language if language in _LEADS else "en"


def subject(prompt: str, language: str) -> str:
    """The prompt's subject, whole and at most MAX_SUBJECT characters ('' for an empty prompt)."""
    language = _language(language)
    text = " ".join(str(prompt or "").split())
    if not text:
        return ""
    first = _SENTENCE_END.split(text, maxsplit=1)[0].strip()
    stripped = _LEADS[language].sub("", first, count=1).strip()
    if len(stripped) >= 3:
        if stripped != first and stripped[:1].isupper() and stripped[1:2].islower():
            stripped = stripped[:1].lower() + stripped[1:]  # "Write about Our…" → "our…"
        if language == "pt":  # "a nossa promoção": the article would clash with a template's "em"/"de" ("em a")
            stripped = re.sub(r"^(?:a|o|as|os)\s+(?=(?:nossa|nosso|nossas|nossos|minha|meu|sua|seu)\b)", "", stripped)
        first = stripped
    first = first.rstrip(".!?؟。:;،, ")
    if len(first) <= SHORT_SUBJECT:
        return first
    for match in re.finditer(_CLAUSE[language], first):  # a longer one ends at its first clause, when it has one
        if 12 <= match.start() <= MAX_SUBJECT:
            candidate = _trim(first[: match.start()], language)
            if len(candidate) >= 12:
                first = candidate
                break
    if len(first) <= MAX_SUBJECT:
        return first
    words, kept = first.split(" "), []
    for word in words:
        if len(" ".join([*kept, word])) > MAX_SUBJECT:
            break
        kept.append(word)
    return _trim(" ".join(kept) or first[:MAX_SUBJECT], language)


def is_instruction(prompt: str, language: str) -> bool:
    """Whether the prompt starts with an instruction ("Write a post about …"): its
    subject then reads inline, without quotes."""
    first = _SENTENCE_END.split(" ".join(str(prompt or "").split()), maxsplit=1)[0].strip()
    return bool(first) and _LEADS[_language(language)].match(first) is not None


def _trim(text: str, language: str) -> str:
    words = text.strip().rstrip(".,;:،-–— ").split(" ")
    while len(words) > 1 and words[-1].lower() in _TRAILING[language]:
        words.pop()
    return " ".join(words).rstrip(".,;:،-–— ")


def _letters(word: str) -> str:
    """Letters and digits only, vowel and other combining marks removed."""
    word = unicodedata.normalize("NFC", word)
    return "".join(ch for ch in word if unicodedata.category(ch)[0] in "LN")


def hashtags(text: str, language: str, *, limit: int = 1) -> list[str]:
    """Up to `limit` valid hashtags from the content words of `text`."""
    language = _language(language)
    words = []
    for raw in re.split(r"[\s/,;:.!?؟،()\"'“”„«»—–-]+", str(text or "")):
        word = _letters(raw)
        if len(word) < 3 or word.lower() in _STOPWORDS[language] or word.isdigit():
            continue
        if word not in words:
            words.append(word)
    if not words:
        return []
    uncased = bool(_UNCASED_SCRIPT.search("".join(words)))

    def tag(parts: list[str]) -> str:
        if uncased:
            return "#" + "_".join(parts)
        return "#" + "".join(part[:1].upper() + part[1:] for part in parts)

    # English puts the head noun last ("our new line of handmade ceramic mugs"), the others first.
    phrase = words[-3:] if language == "en" else words[: 2 if uncased else 3]
    tags = []
    while phrase and len(tag(phrase)) > 28:
        phrase = phrase[1:] if language == "en" else phrase[:-1]
    if phrase:
        tags.append(tag(phrase))
    return tags[:limit]
