"""CJ Dropshipping API 2.0 for commerce: products, freight, orders, stock.

The workspace's `cj_dropshipping` connection holds CJ's access token (15
days) and refresh token; the integrations app obtained them with
`getAccessToken` (CJ allows it once per 5 minutes) and refreshes them by beat,
so this client never asks for a token: it takes the kept one from the vault
for each job (`credentials_for`) and sends it as `CJ-Access-Token`.

Every answer is the envelope `{code, result, message, data, requestId}`;
success is `code == 200`. A credential code (1600001 invalid token, …)
marks the connection expired (`connection_report_rejected`) and raises
`SupplierRejected`; 1600100 (param error) is a 400 naming CJ's message;
1600000 / "Too Many Requests" are retried by the door's policy or surface
as a 502/429. Base URL: `CJ_BASE_URL` (a local stand-in in tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from commerce.scraping import ScrapedProduct, ScrapedVariant, _money
from integrations.providers.base import json_body
from nexusone import outbound
from nexusone.errors import ApplicationError, ProviderError, ValidationFailed

PROVIDER = "cj_dropshipping"
CREDENTIAL_CODES = {1600001, 1600002, 1600003, 1600004, 1600005, 1600006, 1600007, 1600008, 1600031}
PARAM_ERROR = 1600100
BUSY = 1600000
PID_RE = re.compile(r"-p-([0-9A-Za-z-]{6,64})\.html", re.IGNORECASE)


class SupplierNotConnected(ApplicationError):
    status_code = 400
    code = "supplier_not_connected"
    default_message = _("Connect CJ Dropshipping in Integrations first.")


class SupplierRejected(ProviderError):
    code = "supplier_rejected"
    default_message = _("CJ Dropshipping refused the request.")


def pid_from_url(url: str) -> str:
    """CJ product pages end in `-p-<pid>.html`."""
    match = PID_RE.search(url or "")
    return match.group(1) if match else ""


@dataclass
class FreightOption:
    name: str
    price_cents: int
    currency: str
    days: str  # "2-5"

    @property
    def max_days(self) -> int | None:
        digits = [int(part) for part in re.findall(r"\d+", self.days)]
        return max(digits) if digits else None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "price_cents": self.price_cents,
            "currency": self.currency,
            "days": self.days,
            "max_days": self.max_days,
        }


def _cents(value: Any) -> int | None:
    amount = _money(value)
    return int((amount * 100).quantize(Decimal("1"))) if amount is not None else None


class CJClient:
    def __init__(self, *, workspace, token: str):
        self.workspace = workspace
        self.token = token
        self.http = outbound.ProviderClient(service=PROVIDER, base_url=settings.CJ_BASE_URL)

    @classmethod
    def for_workspace(cls, workspace) -> CJClient:
        from integrations.vault import credentials_for

        creds = credentials_for(workspace=workspace, provider=PROVIDER)
        if creds is None:
            raise SupplierNotConnected()
        return cls(workspace=workspace, token=creds.secret)

    def _call(self, method: str, path: str, *, unsafe_retry: bool = True, **options) -> Any:
        retry = outbound.RetryPolicy(retry_unsafe=unsafe_retry) if method == "POST" else outbound.DEFAULT_RETRY
        answer = self.http.request(
            method, path, headers={"CJ-Access-Token": self.token}, secrets=[self.token], retry=retry, **options
        )
        body = json_body(answer)
        if not isinstance(body, dict):
            raise ProviderError(
                details={"provider": PROVIDER, "reason": "malformed_response", "status": answer.status_code}
            )
        code = body.get("code")
        if code == 200 and body.get("result") is not False:
            return body.get("data")
        message = str(body.get("message") or "")[:300]
        if code in CREDENTIAL_CODES or answer.status_code == 401:
            from integrations.services import connection_report_rejected

            connection_report_rejected(workspace=self.workspace, provider=PROVIDER, reason=message or str(code))
            raise SupplierRejected(
                _("CJ Dropshipping refused the stored token; reconnect it in Integrations."),
                details={"provider": PROVIDER, "code": code},
            )
        if code == PARAM_ERROR:
            raise ValidationFailed(
                _("CJ Dropshipping refused the request: %(message)s") % {"message": message},
                code="supplier_param_error",
                details={"provider": PROVIDER, "code": code},
            )
        raise ProviderError(details={"provider": PROVIDER, "code": code, "reason": message or "error"})

    # --- products ---------------------------------------------------------------------------------

    def product(self, pid: str) -> ScrapedProduct:
        """GET /product/query?pid= → the product with its variants (`vid`), images, weight, price."""
        data = self._call("GET", "/product/query", params={"pid": pid})
        if not isinstance(data, dict) or not data.get("pid"):
            raise ValidationFailed(code="supplier_product_not_found", details={"pid": pid})
        images = data.get("productImageSet") or data.get("productImage") or []
        if isinstance(images, str):
            images = [part for part in re.split(r"[\s,]+", images.strip('[]"')) if part.startswith("http")]
        variants = []
        for item in data.get("variants") or []:
            if not isinstance(item, dict):
                continue
            key = str(item.get("variantKey") or "")
            variants.append(
                ScrapedVariant(
                    title=str(item.get("variantNameEn") or key)[:255],
                    sku=str(item.get("variantSku") or "")[:100],
                    price=_money(item.get("variantSellPrice")),
                    options={"Variant": key} if key else {},
                    supplier_variant_id=str(item.get("vid") or ""),
                    weight_grams=int(float(item["variantWeight"])) if item.get("variantWeight") else None,
                )
            )
        sell = _money(data.get("sellPrice"))
        if sell is None and variants:
            sell = min((v.price for v in variants if v.price is not None), default=None)
        weight = data.get("productWeight")
        return ScrapedProduct(
            title=str(data.get("productNameEn") or data.get("productName") or pid)[:255],
            description=str(data.get("description") or ""),
            price=sell,
            currency="USD",
            images=[str(url) for url in images if isinstance(url, str)][:8],
            variants=variants,
            sku=str(data.get("productSku") or ""),
            source="cj_api",
            supplier_product_id=str(data["pid"]),
            weight_grams=int(_money(str(weight).split("-")[0]) or 0) if weight else None,
            category=str(data.get("categoryName") or "")[:120],
        )

    def stock(self, vid: str) -> int:
        """GET /product/stock/queryByVid?vid= → the total across CJ's warehouses."""
        data = self._call("GET", "/product/stock/queryByVid", params={"vid": vid})
        rows = data if isinstance(data, list) else []
        return sum(
            int(row.get("totalInventoryNum") or row.get("storageNum") or 0) for row in rows if isinstance(row, dict)
        )

    # --- freight and orders -----------------------------------------------------------------------

    def freight(self, *, vids: list[tuple[str, int]], to_country: str, from_country: str = "CN") -> list[FreightOption]:
        """POST /logistic/freightCalculate → options with their USD price and days."""
        data = self._call(
            "POST",
            "/logistic/freightCalculate",
            json={
                "startCountryCode": from_country,
                "endCountryCode": to_country,
                "products": [{"quantity": qty, "vid": vid} for vid, qty in vids],
            },
        )
        options = []
        for row in data if isinstance(data, list) else []:
            if not isinstance(row, dict):
                continue
            options.append(
                FreightOption(
                    name=str(row.get("logisticName") or ""),
                    price_cents=_cents(row.get("logisticPrice")) or 0,
                    currency="USD",
                    days=str(row.get("logisticAging") or ""),
                )
            )
        return options

    def create_order(self, payload: dict) -> dict:
        """POST /shopping/order/createOrderV2. Not retried after it left: a 5xx
        may mean CJ created it — the caller's `orderNumber` is our dedupe key."""
        data = self._call("POST", "/shopping/order/createOrderV2", json=payload, unsafe_retry=False)
        return data if isinstance(data, dict) else {}

    def order_detail(self, order_id: str) -> dict:
        data = self._call("GET", "/shopping/order/getOrderDetail", params={"orderId": order_id})
        return data if isinstance(data, dict) else {}
