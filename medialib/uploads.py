"""What an upload is, decided from its bytes (never from its name or the
client's Content-Type), and images re-encoded so their metadata (EXIF GPS
positions, camera serials, comments) never reaches storage."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from nexusone.errors import ApplicationError

if TYPE_CHECKING:  # Pillow is imported by the first image, not with the upload API (issue 19, "Cold start")
    from PIL import Image

# Decompression bombs: refuse images above this many pixels (a 50 MP photo passes).
MAX_IMAGE_PIXELS = 60_000_000


class FileTooLarge(ApplicationError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedFileType(ApplicationError):
    status_code = 415
    code = "unsupported_media_type"


@dataclass(frozen=True)
class Sniffed:
    extension: str
    content_type: str

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


_PREFIXES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
    (b"%PDF-", "pdf", "application/pdf"),
    (b"ID3", "mp3", "audio/mpeg"),
    (b"OggS", "ogg", "audio/ogg"),
    (b"\x1aE\xdf\xa3", "webm", "video/webm"),
)
# ISO base media ("....ftyp<brand>"): audio-only brands are m4a, QuickTime is mov.
_AUDIO_BRANDS = {b"M4A ", b"M4B "}
_QUICKTIME_BRANDS = {b"qt  "}


def sniff(head: bytes) -> Sniffed | None:
    """The type of a file from its first bytes (at least 16), or None."""
    for prefix, extension, content_type in _PREFIXES:
        if head.startswith(prefix):
            return Sniffed(extension, content_type)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("webp", "image/webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("wav", "audio/wav")
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:  # MPEG audio frame sync
        return Sniffed("mp3", "audio/mpeg")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return Sniffed("m4a", "audio/mp4")
        if brand in _QUICKTIME_BRANDS:
            return Sniffed("mov", "video/quicktime")
        return Sniffed("mp4", "video/mp4")
    return None


@dataclass(frozen=True)
class Reencoded:
    data: bytes
    extension: str
    content_type: str
    width: int
    height: int


_SAVE_AS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/gif": "GIF"}


def reencode_image(data: bytes, sniffed: Sniffed) -> Reencoded:
    """Decode and encode again in the same format: EXIF, XMP, ICC comments and
    text chunks are dropped (the EXIF orientation is applied first, so the
    picture still stands upright)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise FileTooLarge(
                    _("The image has too many pixels (at most %(n)d million).") % {"n": MAX_IMAGE_PIXELS // 1_000_000},
                    details={"max_pixels": MAX_IMAGE_PIXELS},
                )
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UnsupportedFileType(_("The image could not be read."), details={"reason": type(exc).__name__}) from exc

    output = io.BytesIO()
    fmt = _SAVE_AS[sniffed.content_type]
    if fmt == "GIF" and getattr(image, "is_animated", False):
        frames = [frame.copy() for frame in _frames(image)]
        for frame in frames:
            frame.info = {key: value for key, value in frame.info.items() if key in ("duration", "transparency")}
        frames[0].save(
            output,
            "GIF",
            save_all=True,
            append_images=frames[1:],
            loop=image.info.get("loop", 0),
            duration=image.info.get("duration", 100),
        )
        width, height = image.size
    else:
        upright = ImageOps.exif_transpose(image)
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        # Encoders copy comments, EXIF, XMP and text chunks from `info`: keep only the colour profile.
        icc = image.info.get("icc_profile")
        upright.info = {}
        options: dict = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
        if icc:
            options["icc_profile"] = icc
        upright.save(output, fmt, **options)
        width, height = upright.size
    return Reencoded(output.getvalue(), sniffed.extension, sniffed.content_type, width, height)


def _frames(image: Image.Image):
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        yield image
