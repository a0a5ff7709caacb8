"""The curated presenters every workspace can pick, besides its own uploaded
portraits (`medialib` rows with source "portrait").

They are illustrations drawn here (no image files to license) and stored once
in the public `avatars` bucket under `platform/presenters/<slug>.png`, so the
renderer and a provider fetching `source_url` read them like any portrait.
(D-ID animates photographs of real faces best: for its talking heads, upload
a portrait.)
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.files.base import ContentFile

from nexusone import storage

PRESENTER_PREFIX = "presenter-"
PORTRAIT_PREFIX = "portrait-"
SIZE = 512


@dataclass(frozen=True)
class Presenter:
    slug: str
    name: str  # a person's name: the same in every language
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    shirt: tuple[int, int, int]
    backdrop: tuple[int, int, int]
    long_hair: bool

    @property
    def avatar_id(self) -> str:
        return f"{PRESENTER_PREFIX}{self.slug}"

    @property
    def key(self) -> str:
        return f"platform/presenters/{self.slug}.png"


PRESENTERS = (
    Presenter("amira", "Amira", (198, 146, 112), (40, 28, 24), (30, 90, 140), (222, 232, 242), True),
    Presenter("daniel", "Daniel", (236, 196, 170), (120, 80, 40), (60, 60, 70), (238, 230, 220), False),
    Presenter("lucia", "Lucía", (224, 172, 140), (70, 40, 30), (170, 40, 70), (244, 226, 230), True),
    Presenter("noah", "Noah", (140, 96, 70), (20, 20, 20), (30, 120, 90), (226, 240, 232), False),
)
BY_ID = {p.avatar_id: p for p in PRESENTERS}
DEFAULT = PRESENTERS[0]


@cache
def presenter_png(slug: str) -> bytes:
    from PIL import Image, ImageDraw  # deferred: a web worker boots without Pillow

    p = next(x for x in PRESENTERS if x.slug == slug)
    image = Image.new("RGB", (SIZE, SIZE), p.backdrop)
    draw = ImageDraw.Draw(image)
    cx = SIZE // 2
    if p.long_hair:  # hair falling behind the shoulders
        draw.rounded_rectangle((cx - 120, 130, cx + 120, 400), radius=90, fill=p.hair)
    draw.ellipse((cx - 200, 380, cx + 200, 700), fill=p.shirt)  # shoulders
    draw.rectangle((cx - 38, 300, cx + 38, 400), fill=tuple(int(c * 0.9) for c in p.skin))  # neck
    draw.ellipse((cx - 100, 110, cx + 100, 350), fill=p.skin)  # face
    draw.chord((cx - 108, 90, cx + 108, 260), 180, 360, fill=p.hair)  # hair on top
    for side in (-1, 1):
        ex = cx + side * 40
        draw.ellipse((ex - 11, 215, ex + 11, 233), fill=(35, 30, 30))  # eyes
        draw.line((ex - 20, 198, ex + 18, 194 if side > 0 else 198), fill=p.hair, width=6)  # brows
        draw.ellipse((cx + side * 112 - 12, 220, cx + side * 112 + 12, 262), fill=p.skin)  # ears
    draw.line((cx, 240, cx - 8, 275, cx + 4, 278), fill=tuple(int(c * 0.8) for c in p.skin), width=4)  # nose
    draw.arc((cx - 40, 270, cx + 40, 316), 20, 160, fill=(150, 60, 60), width=6)  # smile
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def ensure_stored(presenter: Presenter) -> None:
    """Write the presenter's portrait to the avatars bucket once."""
    backend = storage.bucket_storage(storage.Bucket.AVATARS)
    if not backend.exists(presenter.key):
        backend.save(presenter.key, ContentFile(presenter_png(presenter.slug)))


def presenter_url(presenter: Presenter, *, absolute: bool = False) -> str:
    ensure_stored(presenter)
    url = storage.bucket_storage(storage.Bucket.AVATARS).url(presenter.key)
    return url if url.startswith("http") or not absolute else f"{settings.SITE_URL}{url}"
