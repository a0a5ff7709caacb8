"""`{% credit_cost "content" %}` — the cost of an action, shown beside the
button that spends it, with the credits available and, when they do not
cover it, a link to buy more. `quantity` multiplies the module's unit cost
(`{% credit_cost "image_generation" quantity=4 %}`); `unit_label` names the
unit for "N × cost = total" lines (`{% credit_cost "crm" quantity=n unit_label="new contacts" %}`).

Reads `ModuleCost` (what the charge door charges) and the active
workspace's balance, so the number shown is the number charged."""

from __future__ import annotations

from django import template

from billing import selectors
from nexusone.tenancy import get_active_workspace

register = template.Library()


@register.inclusion_tag("billing/_credit_cost.html")
def credit_cost(module: str, quantity: int = 1, per_unit: bool = False) -> dict:
    unit = selectors.module_cost(module)
    workspace = get_active_workspace()
    available = selectors.billing_account_get(workspace=workspace).balance if workspace is not None else None
    try:
        quantity = max(int(quantity), 0)
    except (TypeError, ValueError):
        quantity = 1
    total = (unit or 0) * quantity
    return {
        "unit": unit,
        "quantity": quantity,
        "total": total,
        "per_unit": per_unit,
        "available": available,
        "short": available is not None and unit is not None and total > available,
        "workspace": workspace,
    }
