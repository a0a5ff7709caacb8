"""Commerce rules in the permission table: viewers read, members run the shop,
admins manage the store connection's behaviour."""

from accounts.models import Role
from nexusone.permissions import Rule, register

register(
    Rule("commerce.product.import", Role.MEMBER, "Import products from supplier pages (charged)"),
    Rule("commerce.product.push", Role.MEMBER, "Push a product to the store"),
    Rule("commerce.order.fulfill", Role.MEMBER, "Place an order's supplier order (fulfil)"),
    Rule("commerce.store.sync", Role.MEMBER, "Start a store sync"),
    Rule("commerce.store.manage", Role.ADMIN, "Change a store's delivery preferences and the pricing rule"),
)
