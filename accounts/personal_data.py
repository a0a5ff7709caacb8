"""Personal data held by accounts (see nexusone/personal_data.py)."""

from django.apps import apps

from nexusone.personal_data import Holding, register

register(
    Holding(
        "accounts.User",
        personal=("email", "name"),
        secret=("password",),
        user="pk",
        user_erase="anonymize",
        user_fields=("id", "email", "name", "preferred_language", "timezone", "date_joined", "last_login"),
        note="The account; deleting it anonymizes the row (ids in other tables stay valid).",
    ),
    Holding(
        "accounts.Workspace",
        personal=("name",),
        user="owner",
        # Not in the owner's own export: the workspace's settings are the
        # workspace's data (its name comes with the membership).
        note="The tenant itself; exported as workspace.json, purged last.",
    ),
    Holding(
        "accounts.Membership",
        user="user",
        user_erase="delete",
        user_fields=("workspace_id", "workspace__name", "role", "created_at"),
    ),
    Holding(
        "accounts.Invitation",
        personal=("email",),
        secret=("token_hash",),
        user="invited_by",
        # The invitee's address is another person's data: not in the inviter's export.
        user_fields=("id", "workspace_id", "role", "status", "created_at", "expires_at", "accepted_at"),
        note="Invitee addresses; expired ones are kept for the inviter's history.",
    ),
    Holding(
        "accounts.ApiKey",
        not_personal=("name",),
        secret=("key_hash",),
        user="created_by",
        user_fields=("id", "workspace_id", "name", "prefix", "role", "created_at", "last_used_at", "revoked_at"),
        note="Revoked (not deleted) when their creator's account is deleted.",
    ),
    # Third-party models that point at the user: removed with the account.
    Holding("admin.LogEntry", user="user", user_erase="delete"),
    Holding(
        "account.EmailAddress",
        personal=("email",),
        user="user",
        user_erase="delete",
        user_fields=("email", "verified", "primary"),
    ),
    Holding(
        "socialaccount.SocialAccount",
        personal=("extra_data",),
        secret=("extra_data",),
        user="user",
        user_erase="delete",
        user_fields=("provider", "uid", "date_joined", "last_login"),
    ),
    Holding(
        "mfa.Authenticator",
        secret=("data",),
        user="user",
        user_erase="delete",
        user_fields=("type", "created_at", "last_used_at"),  # that MFA is on, never its secret
    ),
)
# dj-stripe is not installed in the web process (issue 19, docs/architecture.md "Cold start"); this row
# only ever "keeps" its customers, so leaving it undeclared there changes nothing a request does.
if apps.is_installed("djstripe"):
    register(
        Holding(
            "djstripe.Customer",
            personal=("email", "stripe_data"),
            user="subscriber",
            note="Stripe's copy of the billing customer; kept for accounting (invoices), detached from the account.",
        ),
    )
