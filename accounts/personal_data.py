"""Personal data held by accounts (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding(
        "accounts.User",
        personal=("email", "name"),
        secret=("password",),
        user="pk",
        user_erase="anonymize",
        note="The account; deleting it anonymizes the row (ids in other tables stay valid).",
    ),
    Holding(
        "accounts.Workspace",
        personal=("name",),
        user="owner",
        note="The tenant itself; exported as workspace.json, purged last.",
    ),
    Holding("accounts.Membership", user="user", user_erase="delete"),
    Holding(
        "accounts.Invitation",
        personal=("email",),
        secret=("token_hash",),
        user="invited_by",
        note="Invitee addresses; expired ones are kept for the inviter's history.",
    ),
    Holding(
        "accounts.ApiKey",
        not_personal=("name",),
        secret=("key_hash",),
        user="created_by",
        note="Revoked (not deleted) when their creator's account is deleted.",
    ),
    # Third-party models that point at the user: removed with the account.
    Holding("admin.LogEntry", user="user", user_erase="delete"),
    Holding("account.EmailAddress", personal=("email",), user="user", user_erase="delete"),
    Holding(
        "socialaccount.SocialAccount",
        personal=("extra_data",),
        secret=("extra_data",),
        user="user",
        user_erase="delete",
    ),
    Holding("mfa.Authenticator", secret=("data",), user="user", user_erase="delete"),
    Holding(
        "djstripe.Customer",
        personal=("email", "stripe_data"),
        user="subscriber",
        note="Stripe's copy of the billing customer; kept for accounting (invoices), detached from the account.",
    ),
)
