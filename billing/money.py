"""Prices for people: amounts in the active language's number format with the
currency symbol placed as that language's translators decide."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats
from django.utils.translation import pgettext

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "BRL": "R$", "ILS": "₪"}


def format_price(amount: Decimal, currency: str) -> str:
    """`format_price(Decimal("97"), "USD")` → "$97.00" in English, "97,00 $"
    where a translation of the pattern puts the symbol after the number."""
    number = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(currency.upper(), currency.upper())
    # Translators: a price. %(symbol)s is the currency symbol, %(amount)s the number.
    pattern = pgettext("price", "%(symbol)s%(amount)s")
    return pattern % {"symbol": symbol, "amount": number}
