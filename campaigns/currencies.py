"""Currencies Meta's ad accounts support, their minor-unit offsets, and the
minimum daily budgets we check before anything reaches Meta.

Offsets are Meta's table (developers.facebook.com/docs/marketing-api/currencies):
budgets and bids are sent as `amount × offset` integers — cents for USD,
whole yen for JPY (offset 1).

Minimum budgets (Meta's help: "About minimum budgets"): an ad set charged for
impressions needs USD 1 a day and one optimised for clicks or other frequent
actions USD 5, for ad accounts in USD, AUD, CAD, SGD, JPY, NZD, TWD, EUR, CHF,
SEK, HKD, GBP, ILS, NOK, KRW and DKK; half of that in every other currency.
A lifetime budget must cover the daily minimum for each day it runs. The
conversion to other currencies uses the approximate rates below, rounded up,
so the check is a floor that catches obvious mistakes at draft time; Meta's
own answer at launch (`error_user_msg`) stays the final word.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

# code → offset (Meta's "Currency codes" table)
OFFSETS: dict[str, int] = {
    **dict.fromkeys(
        [
            "DZD",
            "ARS",
            "AUD",
            "BHD",
            "BDT",
            "BOB",
            "BGN",
            "BRL",
            "GBP",
            "CAD",
            "CNY",
            "HRK",
            "CZK",
            "DKK",
            "EGP",
            "EUR",
            "GTQ",
            "HNL",
            "HKD",
            "INR",
            "ILS",
            "JOD",
            "KES",
            "MOP",
            "MYR",
            "MXN",
            "NZD",
            "NIO",
            "NGN",
            "NOK",
            "PKR",
            "PEN",
            "PHP",
            "PLN",
            "QAR",
            "RON",
            "RUB",
            "SAR",
            "RSD",
            "SGD",
            "ZAR",
            "SEK",
            "CHF",
            "THB",
            "TRY",
            "AED",
            "UAH",
            "USD",
            "UYU",
            "VES",
        ],
        100,
    ),
    **dict.fromkeys(["CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD", "VND"], 1),
}
SUPPORTED = frozenset(OFFSETS)
HIGH_MINIMUM = frozenset(
    ["USD", "AUD", "CAD", "SGD", "JPY", "NZD", "TWD", "EUR", "CHF", "SEK", "HKD", "GBP", "ILS", "NOK", "KRW", "DKK"]
)

# Approximate units of each currency per US dollar (only for the draft-time floor).
USD_RATES: dict[str, Decimal] = {
    code: Decimal(rate)
    for code, rate in {
        "DZD": "135", "ARS": "900", "AUD": "1.5", "BHD": "0.376", "BDT": "118", "BOB": "6.9", "BGN": "1.8",
        "BRL": "5.4", "GBP": "0.78", "CAD": "1.37", "CNY": "7.2", "HRK": "6.9", "CZK": "23", "DKK": "6.9",
        "EGP": "48", "EUR": "0.92", "GTQ": "7.7", "HNL": "24.7", "HKD": "7.8", "INR": "84", "ILS": "3.7",
        "JOD": "0.709", "KES": "129", "MOP": "8", "MYR": "4.5", "MXN": "18", "NZD": "1.65", "NIO": "36.7",
        "NGN": "1500", "NOK": "10.8", "PKR": "278", "PEN": "3.75", "PHP": "57", "PLN": "4", "QAR": "3.64",
        "RON": "4.6", "RUB": "92", "SAR": "3.75", "RSD": "108", "SGD": "1.34", "ZAR": "18", "SEK": "10.5",
        "CHF": "0.88", "THB": "35", "TRY": "33", "AED": "3.67", "UAH": "41", "USD": "1", "UYU": "40",
        "VES": "36", "CLP": "930", "COP": "4000", "CRC": "515", "HUF": "360", "ISK": "138", "IDR": "15700",
        "JPY": "150", "KRW": "1350", "PYG": "7500", "TWD": "32", "VND": "24500",
    }.items()
}  # fmt: skip

# Objectives whose ad sets optimise for clicks, conversions or leads (frequent actions, USD 5).
FREQUENT_ACTION_OBJECTIVES = frozenset({"TRAFFIC", "CONVERSIONS", "LEAD_GENERATION"})


def offset(currency: str) -> int:
    return OFFSETS[currency]


def quantum(currency: str) -> Decimal:
    """The smallest amount in major units: 0.01 for USD, 1 for JPY."""
    return Decimal(1) / Decimal(OFFSETS[currency])


def to_minor(amount: Decimal, currency: str) -> int:
    """Major units → Meta's integer (cents for USD, yen for JPY)."""
    return int((Decimal(amount) * OFFSETS[currency]).to_integral_value(rounding=ROUND_HALF_UP))


def from_minor(value: int, currency: str) -> Decimal:
    return (Decimal(value) / OFFSETS[currency]).quantize(quantum(currency))


def minimum_daily(currency: str, objective: str) -> Decimal:
    """The floor for one day's budget in `currency` (major units, rounded up)."""
    usd = Decimal(5) if objective in FREQUENT_ACTION_OBJECTIVES else Decimal(1)
    if currency not in HIGH_MINIMUM:
        usd = usd / 2
    value = usd * USD_RATES.get(currency, Decimal(1))
    step = quantum(currency)
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step
