"""How many SMS segments a body takes, counted before sending.

- **GSM-7** (3GPP TS 23.038 default alphabet): a body made only of the basic
  table's characters, where the extension table's `^ { } \\ [ ~ ] | €` and
  form feed take two septets each (an escape plus the character). One
  segment holds 160 septets; a longer body is split in segments of 153 (the
  rest carries the concatenation header), and a two-septet character is
  never split across two segments.
- **UCS-2** otherwise — Arabic, Hebrew, emoji, and any character outside
  GSM-7 such as `ã`, `í` or `ó`: one segment holds 70 UTF-16 code units, a
  longer body 67 per segment, and a surrogate pair (an emoji) is never split.

A body is at most 1,600 characters (Twilio's limit).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BODY = 1600
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
GSM7, UCS2 = "GSM-7", "UCS-2"


@dataclass(frozen=True)
class Count:
    encoding: str
    segments: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    characters: int

    @property
    def per_segment(self) -> int:
        single = 160 if self.encoding == GSM7 else 70
        return single if self.segments <= 1 else (153 if self.encoding == GSM7 else 67)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text)


def _split(sizes: list[int], limit: int) -> int:
    """Segments needed to hold units of these sizes without splitting one."""
    segments, used = 1, 0
    for size in sizes:
        if used + size > limit:
            segments, used = segments + 1, 0
        used += size
    return segments


def count(text: str) -> Count:
    text = text or ""
    if is_gsm7(text):
        sizes = [2 if ch in GSM_EXTENDED else 1 for ch in text]
        encoding, single, multi = GSM7, 160, 153
    else:
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # astral characters are a surrogate pair
        encoding, single, multi = UCS2, 70, 67
    units = sum(sizes)
    segments = 1 if units <= single else _split(sizes, multi)
    return Count(encoding=encoding, segments=segments if text else 0, units=units, characters=len(text))
