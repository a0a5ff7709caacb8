"""The offline renderer: a real MP4 decoded back, and captions shaped and laid
out right to left."""

from __future__ import annotations

import io
import itertools

import av
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from content.video.captions import (
    FONT_PATH,
    caption_font,
    draw_caption,
    script_duration,
    speaking_seconds,
    timed_captions,
    wrap,
)
from content.video.render import RenderRequest, render_video

ARABIC = "مرحباً بكم في متجرنا الجديد! نقدم أفضل القهوة المحمصة محلياً مع توصيل مجاني."
HEBREW = "שלום לכולם! קפה טרי בכל בוקר, ומשלוח חינם."


def test_pillow_has_the_shaping_engine():
    # Pillow's wheels bundle libraqm (HarfBuzz + FriBiDi); without it Arabic would come out as unjoined letters.
    assert features.check("raqm") and features.check("fribidi") and features.check("harfbuzz")


@pytest.fixture(scope="module")
def small_arabic_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("render") / "ar.mp4"
    request = RenderRequest(script=ARABIC, language="ar", style="calm", width=320, height=180, label="معاينة")
    return path, render_video(request, str(path))


def test_the_offline_render_is_an_h264_aac_mp4_of_the_scripts_length(small_arabic_video):
    path, result = small_arabic_video
    words = len(ARABIC.split())
    assert speaking_seconds(words, "calm") < result.duration_seconds < speaking_seconds(words, "calm") + 3
    with av.open(str(path)) as container:
        assert container.format.name.startswith("mov,mp4")
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264" and video.codec_context.pix_fmt == "yuv420p"
        assert (video.codec_context.width, video.codec_context.height) == (320, 180)
        assert audio.codec_context.name == "aac" and audio.codec_context.sample_rate == 44100
        assert float(container.duration / av.time_base) == pytest.approx(result.duration_seconds, abs=0.2)
        frames = sum(1 for _frame in container.decode(video=0))
    assert frames == result.frames
    with av.open(str(path)) as container:
        samples = sum(frame.samples for frame in container.decode(audio=0))
    assert samples / 44100 == pytest.approx(result.duration_seconds, abs=0.1)
    # the index comes first (faststart), so a browser plays while downloading
    head = path.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 4096)


def test_the_thumbnail_is_a_jpeg_of_a_captioned_frame(small_arabic_video):
    _path, result = small_arabic_video
    with Image.open(io.BytesIO(result.thumbnail_jpeg)) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size == (320, 180)


def test_captions_cover_the_script_in_order_and_time():
    font = caption_font(40)
    captions = timed_captions(ARABIC + " " + ARABIC, language="ar", style="professional", font=font, width=600)
    assert " ".join(c.text for c in captions).split() == (ARABIC + " " + ARABIC).split()
    assert all(a.end <= b.start for a, b in itertools.pairwise(captions))
    assert all(len(wrap(c.text, font=font, width=600, language="ar")) <= 2 for c in captions)
    assert script_duration(captions) >= captions[-1].end


def _ink(image: Image.Image) -> tuple[int, int, int, int]:
    return ImageChops.difference(image, Image.new("RGB", image.size, "black")).getbbox()


def _render_line(text: str, language: str, *, shaped: bool = True) -> Image.Image:
    image = Image.new("RGB", (900, 120), "black")
    if shaped:
        draw_caption(ImageDraw.Draw(image), text, box=(0, 0, 900, 120), language=language, font=caption_font(48))
    else:  # plain left-to-right glyph placement, no shaping and no reordering
        basic = ImageFont.truetype(str(FONT_PATH), 48, layout_engine=ImageFont.Layout.BASIC)
        basic.set_variation_by_axes([500.0])
        ImageDraw.Draw(image).text((450, 60), text, font=basic, fill="white", anchor="mm")
    return image


def test_hebrew_is_laid_out_right_to_left():
    # Hebrew letters have no joined forms, so the laid-out word must look like the plain left-to-right
    # rendering of its letters reversed (up to kerning), and not like the letters in typing order.
    word = "שלום"
    laid_out = _render_line(word, "he")
    ink = _count_ink(laid_out)
    reversed_plain = _count_ink(ImageChops.difference(laid_out, _render_line(word[::-1], "he", shaped=False)))
    typing_order = _count_ink(ImageChops.difference(laid_out, _render_line(word, "he", shaped=False)))
    assert reversed_plain < 0.2 * ink < 0.6 * ink < typing_order


def test_arabic_is_shaped_into_joined_letters_right_to_left():
    word = "بببب"  # four beh: isolated forms side by side vs. one joined word
    shaped, unshaped = _render_line(word, "ar"), _render_line(word, "ar", shaped=False)
    shaped_box, unshaped_box = _ink(shaped), _ink(unshaped)
    assert shaped_box[2] - shaped_box[0] < 0.8 * (unshaped_box[2] - unshaped_box[0])
    # reversing the logical order changes nothing for a symmetric run, but a mixed one must keep its order:
    mixed = _render_line("خصم 20% على iPhone", "ar")
    digits = _render_line("20%", "ar")
    latin = _render_line("iPhone", "ar")
    assert _ink(mixed) and _ink(digits) and _ink(latin)
    # in a right-to-left line the Latin word (last in logical order) ends up on the left half
    left, right = mixed.crop((0, 0, 450, 120)), mixed.crop((450, 0, 900, 120))
    assert _count_ink(left) > 0 and _count_ink(right) > 0
    latin_alone = _render_line("iPhone", "en")
    assert _matches_somewhere(left, latin_alone.crop(_ink(latin_alone)))


def _count_ink(image: Image.Image) -> int:
    return sum(1 for value in image.convert("L").getdata() if value > 128)


def _matches_somewhere(haystack: Image.Image, needle: Image.Image) -> bool:
    """True if `needle` (white ink on black) appears in `haystack` within a pixel."""
    hay, pin = haystack.convert("L"), needle.convert("L")
    for x in range(0, hay.width - pin.width + 1):
        for y in range(max(0, 60 - pin.height), min(hay.height - pin.height, 80) + 1):
            if ImageChops.difference(hay.crop((x, y, x + pin.width, y + pin.height)), pin).getextrema()[1] < 90:
                return True
    return False
