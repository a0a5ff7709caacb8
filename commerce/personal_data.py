"""Personal data held by commerce (see nexusone/personal_data.py).

Orders carry the shop's customer (name, e-mail, shipping address) and point at
the CRM contact they became; erasing that contact anonymizes its orders (the
amounts stay for the sales figures). Shopify's `customers/redact` erases the
same fields by the shop's customer id (commerce.services.compliance).
"""

from nexusone.personal_data import Holding, register

register(
    Holding("commerce.Store", not_personal=("name",), note="The shop: its domain and name, no person."),
    Holding("commerce.PricingRule", note="The workspace's pricing rule."),
    Holding("commerce.Product", note="Catalogue products."),
    Holding("commerce.Variant", note="Product variants."),
    Holding("commerce.InventoryLevel", note="Stock per location."),
    Holding(
        "commerce.Order",
        personal=("customer_email", "customer_name", "shipping_address", "customer_external_id"),
        contact="contact",
        contact_erase="anonymize",
        note="The shop's customer on each order; amounts are kept for the sales figures.",
    ),
    Holding("commerce.OrderLine", note="What an order contained (products, not people)."),
    Holding("commerce.ProductImport", user="created_by", note="Who started an import."),
    Holding("commerce.ImportItem", note="One URL of an import and its result."),
    Holding("commerce.InventoryAlert", note="Low-stock crossings."),
    Holding("commerce.DemandForecast", note="Cached demand forecasts of products and variants (units per day)."),
    Holding("commerce.CommissionRule", not_personal=("partner",), note="A partner's name and commission rate."),
    Holding(
        "commerce.ShopifyEvent",
        personal=("payload",),
        note="Shopify's raw webhook deliveries (orders carry customers); deleted with the webhook logs.",
    ),
)
