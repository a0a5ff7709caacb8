"""`{% load commerce_tags %}` … `{{ variant.price_cents|money:product.currency }}`: minor units shown
in their currency, with the active language's number format ("12.99 USD", "12,99 EUR")."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()
ZERO_DECIMAL = {"JPY", "KRW", "CLP", "VND", "ISK", "HUF", "TWD", "UGX", "XOF", "XAF"}


@register.filter
def money(cents, currency: str = "USD") -> str:
    if cents is None or cents == "":
        return "—"
    currency = (currency or "USD").upper()
    places = 0 if currency in ZERO_DECIMAL else 2
    amount = Decimal(int(cents)) / 100
    return f"{number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)}\u00a0{currency}"
