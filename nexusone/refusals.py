"""One sentence for a service's refusal, as every page shows it.

`refusal_message(exc)` turns an `ApplicationError` into the localized
sentence a page displays: a credit refusal says what the action needs and
what is available, a quota refusal says the plan's limit and the current
use, and both end with a link to the billing page (buy credits, or change
plan). Pages pass the result to `messages.error`, `form.add_error` or an
`error` context variable; it is safe HTML (the message is escaped, the link
is ours), so templates render it as is.

The workspace for the link is the active tenant scope (the page mixin holds
it while the view runs); without one, the sentence comes without a link.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from nexusone.errors import ApplicationError
from nexusone.tenancy import get_active_workspace

CREDIT_CODES = ("insufficient_credits",)
PLAN_CODES = ("quota_exceeded", "plan_required")


def _billing_link(anchor: str, label: str) -> str:
    workspace = get_active_workspace()
    if workspace is None:
        return ""
    try:
        url = reverse("billing", kwargs={"slug": workspace.slug})
    except NoReverseMatch:  # pragma: no cover - billing urls are always installed
        return ""
    return format_html(' <a class="refusal-link" href="{}#{}">{}</a>', url, anchor, label)


def refusal_text(exc: ApplicationError) -> str:
    """The plain sentence (no link): for credit and quota refusals, with the numbers."""
    details = exc.details if isinstance(exc.details, dict) else {}
    if exc.code in CREDIT_CODES and details.get("needed") is not None:
        return _("Not enough credits: this needs %(needed)s and %(available)s are available.") % {
            "needed": details.get("needed"),
            "available": details.get("available", 0),
        }
    if exc.code == "quota_exceeded" and details.get("limit") is not None and details.get("used") is not None:
        text = str(exc.message)
        if str(details["limit"]) in text and str(details["used"]) in text:
            return text
        return _("Your plan's limit is %(limit)s and %(used)s are used.") % {
            "limit": details["limit"],
            "used": details["used"],
        }
    return str(exc.message)


def refusal_message(exc: ApplicationError) -> SafeString:
    """`refusal_text` with a link to buy credits or to change plan where that helps."""
    link = ""
    if exc.code in CREDIT_CODES:
        link = _billing_link("buy-credits", _("Buy credits"))
    elif exc.code in PLAN_CODES:
        if (exc.details or {}).get("quota") == "daily_credits":
            link = _billing_link("plans", _("See plans with a higher daily limit"))
        else:
            link = _billing_link("plans", _("Upgrade your plan"))
    return format_html("{}{}", refusal_text(exc), link)
