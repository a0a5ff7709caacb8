"""A Shopify Admin GraphQL double (PROVIDERS.md §2): one shop, its catalogue,
orders, customers and locations served page by page with cursors, the cost
bucket in every answer's `extensions.cost`, THROTTLED errors on demand (HTTP
200 or 429), `productSet` upserts by id or handle with `userErrors`,
`webhookSubscriptionCreate` and fulfilments. Installed with `double.installed()`."""

from __future__ import annotations

import base64
import itertools
import json

import httpx

from integrations.tests.doubles import ProviderDouble, body

SHOP = "nx-test.myshopify.com"
TOKEN = "shpat_commerce_test_token"
VERSION = "2026-10"


def cost(requested: float = 12, available: float = 1988, maximum: float = 2000, restore: float = 100) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested,
            "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": restore},
        }
    }


def product_node(n: int, *, updated="2026-12-01T10:00:00Z", stock=7) -> dict:
    return {
        "id": f"gid://shopify/Product/{n}",
        "title": f"Shop product {n}",
        "handle": f"shop-product-{n}",
        "status": "ACTIVE",
        "descriptionHtml": "<p>Nice.</p>",
        "productType": "Mugs",
        "tags": ["a", "b"],
        "updatedAt": updated,
        "media": {"nodes": [{"image": {"url": f"https://cdn.shopify.com/s/files/{n}.jpg", "altText": None}}]},
        "variants": {
            "nodes": [
                {
                    "id": f"gid://shopify/ProductVariant/{n}01",
                    "title": "Default Title",
                    "sku": f"SHOP-{n}",
                    "price": "19.99",
                    "compareAtPrice": None,
                    "inventoryQuantity": stock,
                    "selectedOptions": [{"name": "Title", "value": "Default Title"}],
                    "inventoryItem": {
                        "id": f"gid://shopify/InventoryItem/{n}01",
                        "unitCost": {"amount": "6.5", "currencyCode": "USD"},
                        "inventoryLevels": {
                            "nodes": [
                                {
                                    "location": {"id": "gid://shopify/Location/1", "name": "Warehouse"},
                                    "quantities": [{"name": "available", "quantity": stock}],
                                }
                            ]
                        },
                    },
                }
            ]
        },
    }


def order_node(n: int, *, variant_product: int = 1, created="2026-12-01T09:00:00Z", updated=None) -> dict:
    return {
        "id": f"gid://shopify/Order/{n}",
        "name": f"#{1000 + n}",
        "createdAt": created,
        "updatedAt": updated or created,
        "cancelledAt": None,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "email": f"buyer{n}@example.com",
        "currencyCode": "USD",
        "totalPriceSet": {"shopMoney": {"amount": "44.98", "currencyCode": "USD"}},
        "totalShippingPriceSet": {"shopMoney": {"amount": "5.00", "currencyCode": "USD"}},
        "customer": {
            "id": f"gid://shopify/Customer/{n}",
            "email": f"buyer{n}@example.com",
            "firstName": "Ana",
            "lastName": "Ruiz",
            "phone": None,
        },
        "shippingAddress": {
            "name": "Ana Ruiz",
            "firstName": "Ana",
            "lastName": "Ruiz",
            "address1": "1 Main St",
            "address2": "",
            "city": "Austin",
            "province": "Texas",
            "provinceCode": "TX",
            "zip": "73301",
            "country": "United States",
            "countryCodeV2": "US",
            "phone": "+15125550100",
        },
        "lineItems": {
            "nodes": [
                {
                    "id": f"gid://shopify/LineItem/{n}1",
                    "title": f"Shop product {variant_product}",
                    "quantity": 2,
                    "sku": f"SHOP-{variant_product}",
                    "variant": {"id": f"gid://shopify/ProductVariant/{variant_product}01"},
                    "originalUnitPriceSet": {"shopMoney": {"amount": "19.99"}},
                }
            ]
        },
    }


class ShopifyGraphQLDouble(ProviderDouble):
    def __init__(self, *, products=(), orders=(), customers=(), token: str = TOKEN, page_size_cap: int = 250):
        super().__init__()
        self.token = token
        self.products = list(products)
        self.orders = list(orders)
        self.customers = list(customers)
        self.locations = [{"id": "gid://shopify/Location/1", "name": "Warehouse", "isActive": True}]
        self.throttle_next: list[int] = []  # HTTP statuses of upcoming THROTTLED answers (200 or 429)
        self.available = 1988.0
        self.webhooks: list[dict] = []
        self.fulfillments: list[dict] = []
        self.pushed: dict[str, dict] = {}  # handle → product
        self.queries: list[dict] = []
        self._ids = itertools.count(9000)
        self.on("POST", f"/admin/api/{VERSION}/graphql.json", self._graphql)

    # --- helpers ---
    def _answer(self, data, *, requested=12.0, status=200):
        return httpx.Response(status, json={"data": data, "extensions": cost(requested, self.available)})

    def _page(self, rows, variables):
        first = min(int(variables.get("first") or 50), 250)
        start = int(base64.b64decode(variables["after"]).decode()) if variables.get("after") else 0
        chunk = rows[start : start + first]
        end = start + len(chunk)
        return {
            "nodes": chunk,
            "pageInfo": {
                "hasNextPage": end < len(rows),
                "hasPreviousPage": start > 0,
                "startCursor": base64.b64encode(str(start).encode()).decode(),
                "endCursor": base64.b64encode(str(end).encode()).decode(),
            },
        }

    @staticmethod
    def _filter_updated(rows, query):
        if query and "updated_at:>'" in query:
            mark = query.split("updated_at:>'")[1].split("'")[0]
            return [r for r in rows if r.get("updatedAt", "") > mark]
        return rows

    def _graphql(self, request):
        if request.headers.get("X-Shopify-Access-Token") != self.token:
            return httpx.Response(
                401, json={"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            )
        payload = body(request)
        query, variables = payload.get("query", ""), payload.get("variables") or {}
        self.queries.append(payload)
        if self.throttle_next:
            status = self.throttle_next.pop(0)
            return httpx.Response(
                status,
                json={
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": {
                        "cost": {
                            "requestedQueryCost": 752,
                            "actualQueryCost": None,
                            "throttleStatus": {
                                "maximumAvailable": 2000.0,
                                "currentlyAvailable": 552,
                                "restoreRate": 100.0,
                            },
                        }
                    },
                },
            )
        if "productSet(" in query:
            return self._product_set(variables)
        if "webhookSubscriptionCreate(" in query:
            topic = variables["topic"]
            if any(w["topic"] == topic for w in self.webhooks):
                return self._answer(
                    {
                        "webhookSubscriptionCreate": {
                            "webhookSubscription": None,
                            "userErrors": [
                                {
                                    "field": ["webhookSubscription", "callbackUrl"],
                                    "message": "Address for this topic has already been taken",
                                }
                            ],
                        }
                    }
                )
            sub = {
                "id": f"gid://shopify/WebhookSubscription/{next(self._ids)}",
                "topic": topic,
                "uri": variables["webhookSubscription"]["uri"],
            }
            self.webhooks.append(sub)
            return self._answer({"webhookSubscriptionCreate": {"webhookSubscription": sub, "userErrors": []}})
        if "fulfillmentOrders(" in query:
            return self._answer(
                {
                    "order": {
                        "id": variables["id"],
                        "fulfillmentOrders": {"nodes": [{"id": "gid://shopify/FulfillmentOrder/77", "status": "OPEN"}]},
                    }
                }
            )
        if "fulfillmentCreate(" in query:
            fulfillment = variables["fulfillment"]
            self.fulfillments.append(fulfillment)
            return self._answer(
                {
                    "fulfillmentCreate": {
                        "fulfillment": {
                            "id": f"gid://shopify/Fulfillment/{next(self._ids)}",
                            "status": "SUCCESS",
                            "trackingInfo": [{**fulfillment["trackingInfo"], "url": None}],
                        },
                        "userErrors": [],
                    }
                }
            )
        if "locations(" in query:
            return self._answer({"locations": self._page(self.locations, variables)})
        if "products(" in query:
            rows = self._filter_updated(self.products, variables.get("query"))
            return self._answer({"products": self._page(rows, variables)}, requested=252)
        if "customers(" in query:
            return self._answer(
                {"customers": self._page(self._filter_updated(self.customers, variables.get("query")), variables)}
            )
        if "orders(" in query:
            rows = self._filter_updated(self.orders, variables.get("query"))
            return self._answer({"orders": self._page(rows, variables)}, requested=202)
        return httpx.Response(
            200, json={"errors": [{"message": "Field doesn't exist", "extensions": {"code": "undefinedField"}}]}
        )

    def _product_set(self, variables):
        data, identifier = variables["input"], variables.get("identifier") or {}
        if not data.get("title"):
            return self._answer(
                {
                    "productSet": {
                        "product": None,
                        "productSetOperation": None,
                        "userErrors": [
                            {"field": ["input", "title"], "message": "Title can't be blank", "code": "BLANK"}
                        ],
                    }
                }
            )
        key = identifier.get("handle") or next(
            (h for h, p in self.pushed.items() if p["id"] == identifier.get("id")), None
        )
        existing = self.pushed.get(key) if key else None
        product_id = existing["id"] if existing else f"gid://shopify/Product/{next(self._ids)}"
        variants = [
            {
                "id": f"{product_id.replace('Product', 'ProductVariant')}{i}",
                "sku": v.get("sku"),
                "inventoryItem": {"id": f"gid://shopify/InventoryItem/{product_id.rsplit('/', 1)[1]}{i}"},
            }
            for i, v in enumerate(data.get("variants") or [])
        ]
        product = {
            "id": product_id,
            "handle": data.get("handle") or key,
            "variants": {"nodes": variants},
            "input": data,
        }
        self.pushed[product["handle"]] = product
        return self._answer(
            {
                "productSet": {
                    "product": {k: product[k] for k in ("id", "handle", "variants")},
                    "productSetOperation": None,
                    "userErrors": [],
                }
            },
            requested=10,
        )


def signed(secret: str, payload: dict) -> tuple[bytes, str]:
    import hashlib
    import hmac

    raw = json.dumps(payload).encode()
    return raw, base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
