"""Image generation on the AI gateway's configuration: OpenAI's Images API
(`POST /v1/images/generations` through the official SDK on the outbound door's
transport, `OPENAI_BASE_URL`, model `OPENAI_IMAGE_MODEL`) with the key the
integrations vault gives (the workspace's own OpenAI key, else the platform's
`OPENAI_API_KEY`) when there is one, else the
offline card: a picture drawn here with the prompt's words (shaped and right
to left for Arabic and Hebrew), marked `provider: "offline"`.

Failures raise `ProviderError` (502) / `ProviderTimeout` (504), so the charge
door refunds.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from content.video.captions import caption_font, direction_of, wrap
from nexusone import outbound
from nexusone.errors import ProviderError, ProviderTimeout

if TYPE_CHECKING:  # the SDK is imported where it is used: a web worker that never draws boots faster
    import openai

logger = logging.getLogger(__name__)

SIZES = ("1024x1024", "1024x1536", "1536x1024")
MAX_IMAGES = 4


@dataclass(frozen=True)
class GeneratedImage:
    png: bytes
    width: int
    height: int
    revised_prompt: str = ""


@dataclass(frozen=True)
class ImagesResult:
    images: list[GeneratedImage]
    provider: str
    model: str


def _client(api_key: str) -> openai.OpenAI:
    import httpx2
    import openai

    return openai.OpenAI(
        api_key=api_key,
        base_url=settings.OPENAI_BASE_URL or None,
        timeout=float(settings.OPENAI_TIMEOUT_SECONDS),
        max_retries=int(settings.OPENAI_MAX_RETRIES),
        http_client=httpx2.Client(transport=outbound.sdk_transport(service="openai", lib="httpx2")),
    )


def _openai_key(workspace) -> str | None:
    from integrations.vault import credentials_for, platform_credentials

    if workspace is None:
        credentials = platform_credentials("openai")
    else:
        credentials = credentials_for(workspace=workspace, provider="openai")
    return credentials.secret if credentials else None


def generate_images(
    *,
    prompt: str,
    size: str,
    count: int,
    language: str = "en",
    workspace=None,
    client: openai.OpenAI | None = None,
) -> ImagesResult:
    import openai

    api_key = None if client is not None else _openai_key(workspace)
    if client is None and not api_key:
        return ImagesResult([offline_card(prompt, size, language, n) for n in range(count)], "offline", "offline-card")
    model = settings.OPENAI_IMAGE_MODEL
    options: dict = {"model": model, "prompt": prompt, "size": size, "n": count}
    if model.startswith("dall-e"):
        options["response_format"] = "b64_json"  # gpt-image models always answer in base64
    try:
        answer = (client or _client(api_key)).images.generate(**options)
    except openai.APITimeoutError as exc:
        raise ProviderTimeout(details={"provider": "openai", "reason": "timeout"}) from exc
    except openai.APIStatusError as exc:
        logger.warning("OpenAI images answered %s: %s", exc.status_code, str(exc)[:300])
        reason = {401: "authentication", 403: "authentication", 429: "rate_limited"}.get(exc.status_code, "rejected")
        if exc.status_code >= 500:
            reason = "server_error"
        raise ProviderError(
            _("The image provider failed. Nothing was charged."),
            details={"provider": "openai", "reason": reason, "status": exc.status_code},
        ) from exc
    except openai.APIConnectionError as exc:
        raise ProviderError(details={"provider": "openai", "reason": "unreachable"}) from exc
    from PIL import Image  # imported here, not with the module: the media API's views import it (issue 19)

    images = []
    for item in answer.data or []:
        if not getattr(item, "b64_json", None):
            continue
        try:
            raw = base64.b64decode(item.b64_json)
            with Image.open(io.BytesIO(raw)) as picture:
                picture.load()
                buffer = io.BytesIO()
                picture.save(buffer, "PNG")  # re-encoded: what we store is always a clean PNG
                images.append(
                    GeneratedImage(
                        buffer.getvalue(), picture.width, picture.height, getattr(item, "revised_prompt", "") or ""
                    )
                )
        except (ValueError, OSError) as exc:
            raise ProviderError(details={"provider": "openai", "reason": "malformed_response"}) from exc
    if len(images) != count:
        raise ProviderError(details={"provider": "openai", "reason": "malformed_response", "images": len(images)})
    return ImagesResult(images, "openai", model)


def offline_card(prompt: str, size: str, language: str, index: int = 0) -> GeneratedImage:
    """A deterministic card: a two-colour gradient picked from the prompt, with its words."""
    from PIL import Image, ImageDraw

    width, height = (int(x) for x in size.split("x"))
    digest = hashlib.sha256(f"{prompt}|{index}".encode()).digest()
    top = (40 + digest[0] % 120, 40 + digest[1] % 120, 60 + digest[2] % 140)
    bottom = (120 + digest[3] % 120, 80 + digest[4] % 140, 60 + digest[5] % 120)
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(1, height - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    image = column.resize((width, height))
    draw = ImageDraw.Draw(image, "RGBA")
    margin = width // 10
    draw.rounded_rectangle(
        (margin // 2, margin // 2, width - margin // 2, height - margin // 2),
        radius=40,
        outline=(255, 255, 255, 90),
        width=4,
    )
    font = caption_font(max(28, width // 18), weight=600)
    lines = wrap(" ".join(prompt.split())[:300], font=font, width=width - 2 * margin, language=language)[:8]
    line_height = int(font.size * 1.3)
    top_y = (height - line_height * len(lines)) // 2
    direction = direction_of(language)
    for number, line in enumerate(lines):
        draw.text(
            (width // 2, top_y + number * line_height + line_height // 2),
            line,
            font=font,
            fill=(255, 255, 255),
            anchor="mm",
            direction=direction,
            language=language,
        )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return GeneratedImage(buffer.getvalue(), width, height)
