"""Reading a product from a supplier's page.

The page is fetched through the outbound door as a *user-supplied URL*
(RELIABILITY T10: no private, loopback, link-local or metadata address,
checked again after every redirect and DNS answer; 10 s; size-capped) and
must be HTML. The product comes from the page's structured data, read by
extruct (a maintained extractor), in this order: JSON-LD `Product` /
`ProductGroup` (with `offers` and `hasVariant`), microdata `Product`, then
OpenGraph (`og:title`, `og:image`, `product:price:amount`). A page with none
of them has no product (`no_product_found`).

Images are downloaded through the same door, their type sniffed from the
bytes (Pillow), capped at `IMAGE_MAX_BYTES`, and stored in the
`generated-content` bucket.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urljoin

from nexusone import outbound
from nexusone.errors import ProviderError

logger = logging.getLogger(__name__)

PAGE_MAX_BYTES = 3 * 1024 * 1024
IMAGE_MAX_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 8
MAX_VARIANTS = 100
HTML_TYPES = ("text/html", "application/xhtml+xml")
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}


class ScrapeFailed(Exception):
    """This URL yields no product; `reason` is a stable code for the API."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail[:300]


@dataclass
class ScrapedVariant:
    title: str = ""
    sku: str = ""
    price: Decimal | None = None
    options: dict[str, str] = field(default_factory=dict)
    supplier_variant_id: str = ""
    weight_grams: int | None = None
    stock: int | None = None


@dataclass
class ScrapedProduct:
    title: str
    description: str = ""
    price: Decimal | None = None
    currency: str = ""
    images: list[str] = field(default_factory=list)
    variants: list[ScrapedVariant] = field(default_factory=list)
    sku: str = ""
    source: str = ""  # json-ld | microdata | opengraph | cj_api
    supplier_product_id: str = ""
    weight_grams: int | None = None
    category: str = ""


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or ""
    return str(value or "").strip()


def _money(value: Any) -> Decimal | None:
    value = _first(value)
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    return amount if amount >= 0 else None


def _types(item: dict) -> set[str]:
    kind = item.get("@type") or item.get("type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _images(value: Any, base_url: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    urls = []
    for image in values:
        if isinstance(image, dict):
            image = image.get("url") or image.get("contentUrl") or image.get("@id")
        if isinstance(image, str) and image.strip():
            urls.append(urljoin(base_url, image.strip()))
    return urls


def _offer(offers: Any) -> tuple[Decimal | None, str, str]:
    """(price, currency, sku) from an Offer, AggregateOffer or a list of offers."""
    for offer in offers if isinstance(offers, list) else [offers]:
        if not isinstance(offer, dict):
            continue
        spec = offer.get("priceSpecification")
        price = _money(offer.get("price"))
        if price is None:
            price = _money(offer.get("lowPrice"))
        if price is None and isinstance(spec, dict):
            price = _money(spec.get("price"))
        currency = _text(offer.get("priceCurrency")) or (
            _text(spec.get("priceCurrency")) if isinstance(spec, dict) else ""
        )
        if price is not None:
            return price, currency.upper()[:3], _text(offer.get("sku"))
    return None, "", ""


def _walk(items: Any):
    """Every dict in a JSON-LD document (top level, lists, `@graph`)."""
    stack = list(items) if isinstance(items, list) else [items]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            yield item
            if isinstance(item.get("@graph"), list):
                stack.extend(item["@graph"])


def _variant_from(item: dict) -> ScrapedVariant:
    price, _currency, sku = _offer(item.get("offers"))
    options = {}
    for key in ("color", "size", "material", "pattern"):
        if item.get(key):
            options[key.capitalize()] = _text(item[key])
    return ScrapedVariant(
        title=_text(item.get("name")), sku=_text(item.get("sku")) or sku, price=price, options=options
    )


def _from_schema_item(item: dict, base_url: str, source: str) -> ScrapedProduct | None:
    title = _text(item.get("name"))
    if not title:
        return None
    price, currency, offer_sku = _offer(item.get("offers"))
    variants = [
        _variant_from(v) for v in (item.get("hasVariant") or []) if isinstance(v, dict) and "Product" in _types(v)
    ][:MAX_VARIANTS]
    if price is None and variants:
        priced = [v.price for v in variants if v.price is not None]
        price = min(priced) if priced else None
        if not currency:
            currency = next(
                (_offer(v.get("offers"))[1] for v in item.get("hasVariant") or [] if isinstance(v, dict)), ""
            )
    return ScrapedProduct(
        title=title[:255],
        description=_text(item.get("description")),
        price=price,
        currency=currency,
        images=_images(item.get("image"), base_url)[:MAX_IMAGES],
        variants=variants,
        sku=_text(item.get("sku")) or offer_sku,
        source=source,
        category=_text(item.get("category"))[:120],
    )


def parse_product(html: str, base_url: str) -> ScrapedProduct:
    """The product a page describes in its structured data, or ScrapeFailed("no_product_found")."""
    import extruct

    try:
        data = extruct.extract(
            html, base_url=base_url, syntaxes=["json-ld", "microdata", "opengraph"], uniform=True, errors="ignore"
        )
    except Exception as exc:  # a malformed page: extruct's parsers raise many kinds
        logger.info("commerce: structured data unreadable at %s: %s", base_url, type(exc).__name__)
        raise ScrapeFailed("no_product_found") from None
    for syntax, source in (("json-ld", "json-ld"), ("microdata", "microdata")):
        for item in _walk(data.get(syntax) or []):
            if _types(item) & {"Product", "ProductGroup"}:
                product = _from_schema_item(item, base_url, source)
                if product is not None:
                    return product
    for og in data.get("opengraph") or []:
        if not isinstance(og, dict):
            continue
        price = _money(og.get("product:price:amount") or og.get("og:price:amount"))
        is_product = str(og.get("og:type") or "").startswith("product") or price is not None
        title = _text(og.get("og:title"))
        if is_product and title:
            currency = _text(og.get("product:price:currency") or og.get("og:price:currency"))
            return ScrapedProduct(
                title=title[:255],
                description=_text(og.get("og:description")),
                price=price,
                currency=currency.upper()[:3],
                images=_images(og.get("og:image"), base_url)[:MAX_IMAGES],
                source="opengraph",
            )
    raise ScrapeFailed("no_product_found")


def fetch_page(url: str) -> str:
    """The page's HTML, fetched under the user-URL rules. UnsafeURL propagates
    (the caller records `url_not_allowed`); other failures are ScrapeFailed."""
    try:
        answer = outbound.fetch(
            url,
            service="product_scraper",
            headers={"Accept": "text/html,application/xhtml+xml;q=0.9"},
            max_bytes=PAGE_MAX_BYTES,
        )
    except outbound.UnsafeURL:
        raise
    except ProviderError as exc:
        raise ScrapeFailed("fetch_failed", str(getattr(exc, "message", "") or exc)) from None
    if answer.status_code != 200:
        raise ScrapeFailed("fetch_failed", f"HTTP {answer.status_code}")
    content_type = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in HTML_TYPES:
        raise ScrapeFailed("not_html", content_type[:100])
    return answer.text


def scrape(url: str) -> ScrapedProduct:
    return parse_product(fetch_page(url), url)


@dataclass
class DownloadedImage:
    content: bytes
    extension: str
    content_type: str
    width: int
    height: int


def download_image(url: str) -> DownloadedImage | None:
    """An image through the door (user-URL rules), its type taken from its
    bytes, not from the server's header. None when it is not a usable image."""
    from PIL import Image, UnidentifiedImageError

    try:
        answer = outbound.fetch(url, service="product_scraper", max_bytes=IMAGE_MAX_BYTES)
    except (outbound.UnsafeURL, ProviderError):
        return None
    if answer.status_code != 200 or not answer.content:
        return None
    try:
        with Image.open(io.BytesIO(answer.content)) as image:
            kind = IMAGE_FORMATS.get(image.format or "")
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    if kind is None:
        return None
    return DownloadedImage(answer.content, kind[0], kind[1], width, height)
