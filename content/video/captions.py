"""Captions for the offline renderer: how long a script takes to say, how it
splits into timed captions, and how a caption is drawn — Arabic shaped
(joined letter forms) and Arabic/Hebrew laid out right to left.

Shaping and the bidirectional algorithm come from Pillow's libraqm layout
(HarfBuzz + FriBiDi, bundled in Pillow's wheels): text is measured and drawn
in logical order with `direction="rtl"`, so mixed runs ("מבצע 50% על iPhone")
come out in the right visual order. The font is Rubik (OFL), shipped as a
Python package, which covers Latin, Arabic and Hebrew.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import fontpkg_rubik

if TYPE_CHECKING:  # Pillow is imported by the first font, not with the module (issue 19, "Cold start")
    from PIL import ImageDraw, ImageFont

RTL_LANGUAGES = frozenset({"ar", "he"})
# Words per second a presenter speaks, by style (≈ 130–180 words a minute).
WORDS_PER_SECOND = {"professional": 2.5, "casual": 2.7, "energetic": 3.0, "calm": 2.2}
SENTENCE_PAUSE = 0.35  # seconds of silence after a sentence
MIN_DURATION = 3.0
LEAD_IN = 0.4  # the first caption appears after a short breath
_SENTENCE_END = re.compile(r"(?<=[.!?؟।。])\s+|\n+")
FONT_PATH = fontpkg_rubik.ROOT / "files" / "Rubik[wght].ttf"


class ShapingUnavailable(RuntimeError):
    """Pillow was built without libraqm: Arabic and Hebrew cannot be laid out."""


@cache
def caption_font(size: int, weight: int = 500) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont, features

    if not features.check("raqm"):
        raise ShapingUnavailable("Pillow's libraqm layout is required to render Arabic and Hebrew captions.")
    font = ImageFont.truetype(str(FONT_PATH), size, layout_engine=ImageFont.Layout.RAQM)
    font.set_variation_by_axes([float(weight)])
    return font


def direction_of(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class Caption:
    text: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def _sentences(script: str) -> list[str]:
    return [" ".join(part.split()) for part in _SENTENCE_END.split(script.strip()) if part.strip()]


def speaking_seconds(words: int, style: str) -> float:
    return words / WORDS_PER_SECOND.get(style, WORDS_PER_SECOND["professional"])


def wrap(text: str, *, font: ImageFont.FreeTypeFont, width: int, language: str) -> list[str]:
    """Greedy line breaking in logical order (raqm reorders each line when drawn)."""
    direction = direction_of(language)
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and font.getlength(candidate, direction=direction, language=language) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def timed_captions(
    script: str, *, language: str, style: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int = 2
) -> list[Caption]:
    """Split the script into captions that fit `max_lines` lines of `width`
    pixels, each shown for as long as its words take to say."""
    captions: list[Caption] = []
    clock = LEAD_IN
    for sentence in _sentences(script):
        lines = wrap(sentence, font=font, width=width, language=language)
        for index in range(0, len(lines), max_lines):
            chunk = " ".join(lines[index : index + max_lines])
            seconds = max(0.8, speaking_seconds(len(chunk.split()), style))
            captions.append(Caption(chunk, round(clock, 3), round(clock + seconds, 3)))
            clock += seconds
        clock += SENTENCE_PAUSE
    return captions


def script_duration(captions: list[Caption]) -> float:
    end = captions[-1].end + SENTENCE_PAUSE if captions else 0.0
    return round(max(MIN_DURATION, end), 3)


def draw_caption(
    draw: ImageDraw.ImageDraw,
    text: str,
    *,
    box: tuple[int, int, int, int],
    language: str,
    font: ImageFont.FreeTypeFont,
    fill=(255, 255, 255),
    line_spacing: float = 1.3,
) -> list[str]:
    """Draw `text` centred in `box` (x0, y0, x1, y1), wrapped to its width.
    Right-to-left languages are shaped and ordered by raqm. Returns the lines."""
    x0, y0, x1, y1 = box
    direction = direction_of(language)
    lines = wrap(text, font=font, width=x1 - x0, language=language)
    line_height = int(font.size * line_spacing)
    top = y0 + max(0, ((y1 - y0) - line_height * len(lines)) // 2)
    centre = (x0 + x1) // 2
    for number, line in enumerate(lines):
        y = top + number * line_height + line_height // 2
        draw.text((centre, y), line, font=font, fill=fill, anchor="mm", direction=direction, language=language)
    return lines
