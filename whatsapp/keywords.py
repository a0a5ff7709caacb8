"""Opt-out and opt-in keywords in the five product languages.

A message opts its sender out when, after normalisation, it *is* one of the
keywords (not when it merely contains one: "don't stop" is a conversation,
"STOP" is a request). Normalisation: Unicode NFKC, case-folded, punctuation
and symbols dropped, whitespace collapsed, Arabic diacritics and tatweel
removed and alef forms unified, Hebrew points removed, Latin accents removed.
"""

from __future__ import annotations

import re
import unicodedata

_OPT_OUT = [
    # en
    "stop",
    "stopall",
    "stop all",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "opt out",
    "optout",
    # es
    "baja",
    "darme de baja",
    "dar de baja",
    "parar",
    "detener",
    "cancelar",
    "no mas",
    "salir",
    # pt
    "sair",
    "parar",
    "pare",
    "cancelar",
    "descadastrar",
    "remover",
    "nao quero mais",
    # ar
    "إيقاف",
    "ايقاف",
    "توقف",
    "الغاء",
    "إلغاء",
    "الغاء الاشتراك",
    "إلغاء الاشتراك",
    # he
    "הסר",
    "הסרה",
    "הפסק",
    "עצור",
    "בטל",
]
_OPT_IN = [
    "start",
    "unstop",
    "subscribe",  # en
    "alta",
    "suscribir",
    "empezar",  # es
    "voltar",
    "assinar",
    "comecar",  # pt
    "اشتراك",
    "ابدأ",
    "ابدا",  # ar
    "הרשמה",
    "התחל",  # he
]

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_HEBREW_POINTS = re.compile("[\u0591-\u05c7]")
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})


def normalize_keyword(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _HEBREW_POINTS.sub("", _ARABIC_MARKS.sub("", text).translate(_ALEF))
    # NFD splits accents (and Arabic/Hebrew marks) off their letters; drop them,
    # and turn punctuation, symbols, separators and controls into spaces.
    kept = []
    for ch in unicodedata.normalize("NFD", text):
        category = unicodedata.category(ch)
        if category == "Mn":
            continue
        kept.append(" " if category[0] in "PSZC" else ch)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


OPT_OUT_KEYWORDS = frozenset(normalize_keyword(word) for word in _OPT_OUT)
OPT_IN_KEYWORDS = frozenset(normalize_keyword(word) for word in _OPT_IN)


def is_opt_out(text: str) -> bool:
    return bool(text) and len(text) <= 64 and normalize_keyword(text) in OPT_OUT_KEYWORDS


def is_opt_in(text: str) -> bool:
    return bool(text) and len(text) <= 64 and normalize_keyword(text) in OPT_IN_KEYWORDS
