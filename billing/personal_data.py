"""Personal data held by billing (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register


def _archive_ledger(workspace, *, reference) -> int:
    from privacy.accounting import archive_ledger

    return archive_ledger(workspace, reference=reference)


register(
    Holding("billing.Plan", not_personal=("name",), note="The catalogue; no personal data."),
    Holding("billing.CreditPack", not_personal=("name",), note="The catalogue; no personal data."),
    Holding(
        "billing.FreeAllowance",
        note="A keyed hash (HMAC-SHA256) of each verified e-mail that received the free plan's credits, with no link "
        "to the user: kept after account deletion so the allowance is granted once per person.",
    ),
    Holding(
        "billing.BillingAccount",
        note="Plan, balances and Stripe ids; the subscription is canceled before a purge.",
    ),
    Holding(
        "billing.LedgerEntry",
        user="user",
        archive=_archive_ledger,
        note="Kept for accounting only in anonymized form (privacy.AccountingRecord) when the workspace is purged.",
    ),
    Holding("billing.Charge", user="user", note="Per-action reservations; the ledger is the record that stays."),
    Holding(
        "billing.StripeEvent",
        personal=("payload",),
        note="Stripe's webhook payloads (customer e-mails); deleted after the webhook-log retention.",
    ),
)
