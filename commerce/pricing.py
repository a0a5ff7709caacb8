"""Sell prices from supplier costs: the workspace's pricing rule (one per
workspace; without one, ×2 ending in .99). Imports apply it to each
variant's supplier cost; `pricing_rule_set` changes it (prices already set
are left alone: the rule applies to what is imported next)."""

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


def pricing_rule_get(workspace):
    """The workspace's rule, or an unsaved default one."""
    from commerce.models import PricingRule

    rule = PricingRule.objects.filter(workspace=workspace).first()
    return rule or PricingRule(workspace=workspace, mode="multiplier", value=DEFAULT_MULTIPLIER,
                               ending_cents=DEFAULT_ENDING)  # fmt: skip


def pricing_rule_set(*, workspace, mode: str, value: Decimal, ending_cents: int | None, user=None, request=None):
    """Create or change the rule; audited."""
    from commerce.models import PricingRule
    from nexusone.audit import audit_record

    rule, _created = PricingRule.objects.update_or_create(
        workspace=workspace, defaults={"mode": mode, "value": Decimal(value), "ending_cents": ending_cents}
    )
    audit_record(action="commerce.pricing_rule.set", request=request, user=user, workspace=workspace, target=rule,
                 metadata={"mode": mode, "value": str(value), "ending_cents": ending_cents})  # fmt: skip
    return rule
