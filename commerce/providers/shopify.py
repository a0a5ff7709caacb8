"""Shopify Admin GraphQL for commerce: reads page by page, `productSet`,
fulfilments and webhook subscriptions.

Where: `integrations.providers.shopify.admin_url(shop)` +
`/admin/api/{SHOPIFY_API_VERSION}/graphql.json` with `X-Shopify-Access-Token`
— the token taken from the vault for each job (`credentials_for`; the
integrations beat refreshes the hourly token, so it is never cached here).

The cost bucket (PROVIDERS.md §2 "Throttling"): every answer carries
`extensions.cost.throttleStatus`. A `THROTTLED` error (HTTP 200 or 429) is
retried by the outbound door after `(requested − available) / restoreRate`
(`outbound.shopify_throttle_wait`); a wait longer than the door sleeps comes
back as `Throttled(retry_after)` for the task to reschedule. Between pages the
client also paces itself: when the bucket holds less than the last query
cost, it waits for it to refill before asking again — so a long sync runs at
the shop's restore rate instead of bouncing off it.

Errors: 401 → the connection is reported rejected (`expired`) and
`StoreRejected`; GraphQL `errors` → `ProviderError` with their messages;
mutation `userErrors` → `ShopifyUserErrors` (400, `details.user_errors`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from integrations.providers.base import json_body
from nexusone import outbound
from nexusone.errors import ApplicationError, ProviderError

PROVIDER = "shopify"
PAGE_SIZE = 100
RETRY = outbound.RetryPolicy(attempts=6, retry_unsafe=True, max_wait=20.0)
pace_sleep = time.sleep  # replaced in tests


class StoreNotConnected(ApplicationError):
    status_code = 400
    code = "store_not_connected"
    default_message = _("This store is not connected. Connect Shopify in Integrations.")


class StoreRejected(ProviderError):
    code = "store_rejected"
    default_message = _("Shopify refused the stored token; reconnect the store in Integrations.")


class Throttled(ProviderError):
    status_code = 503
    code = "provider_throttled"
    default_message = _("Shopify asked us to slow down. The work continues shortly.")

    def __init__(self, retry_after: float):
        super().__init__(details={"provider": PROVIDER, "retry_after": round(retry_after, 1)})
        self.retry_after = retry_after


class ShopifyUserErrors(ApplicationError):
    status_code = 400
    code = "store_refused"
    default_message = _("Shopify refused the change.")


def gid(kind: str, value: Any) -> str:
    """A REST id (webhook payloads) as the GraphQL global id."""
    text = str(value or "")
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


class ShopifyClient:
    def __init__(self, *, workspace, shop: str, token: str):
        from integrations.providers.shopify import admin_url

        self.workspace = workspace
        self.shop = shop
        self.token = token
        self.path = f"/admin/api/{settings.SHOPIFY_API_VERSION}/graphql.json"
        self.http = outbound.ProviderClient(
            service=PROVIDER, base_url=admin_url(shop), hints=(outbound.shopify_throttle_wait,), retry=RETRY
        )
        self.throttle: dict[str, float] = {}
        self.last_cost = 0.0
        self.calls = 0

    @classmethod
    def for_workspace(cls, workspace) -> ShopifyClient:
        from integrations.vault import credentials_for

        creds = credentials_for(workspace=workspace, provider=PROVIDER)
        if creds is None or not creds.extra.get("shop"):
            raise StoreNotConnected()
        return cls(workspace=workspace, shop=creds.extra["shop"], token=creds.secret)

    def _pace(self) -> None:
        available = self.throttle.get("currentlyAvailable")
        restore = self.throttle.get("restoreRate") or 0
        if available is not None and restore > 0 and self.last_cost > available:
            pace_sleep((self.last_cost - available) / restore)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        self._pace()
        self.calls += 1
        answer = self.http.post(
            self.path,
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": self.token},
            secrets=[self.token],
        )
        body = json_body(answer)
        cost = (body.get("extensions") or {}).get("cost") if isinstance(body, dict) else None
        if isinstance(cost, dict):
            self.throttle = {k: float(v) for k, v in (cost.get("throttleStatus") or {}).items() if v is not None}
            self.last_cost = float(cost.get("requestedQueryCost") or 0)
        if answer.status_code in (401, 403):
            from integrations.services import connection_report_rejected

            if answer.status_code == 401:
                connection_report_rejected(workspace=self.workspace, provider=PROVIDER, reason="HTTP 401")
            raise StoreRejected(details={"provider": PROVIDER, "status": answer.status_code})
        if answer.retry_after is not None:
            raise Throttled(answer.retry_after)
        if not isinstance(body, dict) or (answer.status_code >= 400):
            raise ProviderError(details={"provider": PROVIDER, "status": answer.status_code})
        errors = body.get("errors")
        if errors:
            messages = [str(e.get("message", e))[:200] for e in errors] if isinstance(errors, list) else [str(errors)]
            raise ProviderError(details={"provider": PROVIDER, "errors": messages[:5]})
        return body.get("data") or {}

    def pages(
        self, query: str, path: str, variables: dict | None = None, page_size: int | None = None
    ) -> Iterator[list]:
        """Every page of the connection at `path` (e.g. "products"), following
        `pageInfo.endCursor` while `hasNextPage`."""
        after = None
        while True:
            data = self.graphql(query, {**(variables or {}), "first": page_size or PAGE_SIZE, "after": after})
            connection = data.get(path) or {}
            yield [node for node in connection.get("nodes") or [] if isinstance(node, dict)]
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = info["endCursor"]

    def mutate(self, query: str, variables: dict, field: str) -> dict:
        """A mutation; its `userErrors` raise ShopifyUserErrors (400) with Shopify's messages."""
        result = self.graphql(query, variables).get(field) or {}
        user_errors = result.get("userErrors") or []
        if user_errors:
            shown = [{"field": e.get("field"), "message": e.get("message"), "code": e.get("code")} for e in user_errors]
            raise ShopifyUserErrors(
                _("Shopify refused the change: %(message)s") % {"message": shown[0]["message"]},
                details={"user_errors": shown},
            )
        return result


# --- queries ------------------------------------------------------------------------------------

PRODUCTS_QUERY = """
query($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id title handle status descriptionHtml productType tags updatedAt
      media(first: 10) { nodes { ... on MediaImage { image { url altText } } } }
      variants(first: 100) {
        nodes {
          id title sku price compareAtPrice inventoryQuantity selectedOptions { name value }
          inventoryItem {
            id unitCost { amount currencyCode }
            inventoryLevels(first: 10) {
              nodes { location { id name } quantities(names: ["available"]) { name quantity } }
            }
          }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

ORDERS_QUERY = """
query($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id name createdAt updatedAt cancelledAt displayFinancialStatus displayFulfillmentStatus email
      currencyCode
      totalPriceSet { shopMoney { amount currencyCode } }
      totalShippingPriceSet { shopMoney { amount currencyCode } }
      customer { id email firstName lastName phone }
      shippingAddress {
        name firstName lastName address1 address2 city province provinceCode zip country countryCodeV2 phone
      }
      lineItems(first: 100) {
        nodes { id title quantity sku variant { id } originalUnitPriceSet { shopMoney { amount } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

CUSTOMERS_QUERY = """
query($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id email firstName lastName phone updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}
"""

LOCATIONS_QUERY = """
query($first: Int!, $after: String) {
  locations(first: $first, after: $after) { nodes { id name isActive } pageInfo { hasNextPage endCursor } }
}
"""

PRODUCT_SET = """
mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers, $synchronous: Boolean) {
  productSet(input: $input, identifier: $identifier, synchronous: $synchronous) {
    product { id handle variants(first: 100) { nodes { id sku inventoryItem { id } } } }
    userErrors { field message code }
  }
}
"""

WEBHOOK_CREATE = """
mutation($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
"""

FULFILLMENT_ORDERS = """
query($id: ID!) {
  order(id: $id) { id fulfillmentOrders(first: 10) { nodes { id status } } }
}
"""

FULFILLMENT_CREATE = """
mutation($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}
"""
