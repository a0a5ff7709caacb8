"""Sell prices from supplier costs: the workspace's pricing rule."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_MULTIPLIER = Decimal("2")
DEFAULT_ENDING = 99


def to_cents(amount: Decimal | None) -> int | None:
    if amount is None:
        return None
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def sell_price_cents(
    cost_cents: int,
    *,
    mode: str = "multiplier",
    value: Decimal = DEFAULT_MULTIPLIER,
    ending_cents: int | None = DEFAULT_ENDING,
) -> int:
    """cost × value (mode "multiplier") or cost + value (mode "margin"), then
    raised to the next price ending in `ending_cents` (99 → x.99): 25.40 → 25.99,
    25.99 stays, 26.00 → 26.99. `ending_cents=None` keeps the computed cents."""
    value = Decimal(value)
    raw = Decimal(cost_cents) + value * 100 if mode == "margin" else Decimal(cost_cents) * value
    cents = int(raw.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if ending_cents is None:
        return max(cents, 0)
    candidate = (cents // 100) * 100 + ending_cents
    if candidate < cents:
        candidate += 100
    return max(candidate, 0)


def price_for(workspace, cost_cents: int | None) -> int:
    """The workspace's rule applied to a cost (default ×2, ending .99); 0 without a cost."""
    from commerce.models import PricingRule

    if not cost_cents:
        return 0
    rule = PricingRule.unscoped.filter(workspace=workspace).first()
    if rule is None:
        return sell_price_cents(cost_cents)
    return sell_price_cents(cost_cents, mode=rule.mode, value=rule.value, ending_cents=rule.ending_cents)
