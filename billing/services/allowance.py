"""The free plan's credits, once per verified person (issue 16, point 4).

Workspaces are free to create and anyone may create them, so "every new
workspace gets the free plan's credits" let one person hold any number of
allowances. The rules instead:

- A workspace created through `accounts.services.workspace_create` opens its
  account without the free plan's credits (`billing.apps`).
- When a person's e-mail address is verified (allauth's `email_confirmed`,
  or at sign-up when the address arrives verified — social sign-in, the
  demo), their personal workspace receives the allowance: the free plan's
  monthly credits, now and at every renewal while it stays on the free plan.
- A person is a keyed hash of the verified address (`person_key`), stored in
  `FreeAllowance` with no link to the user: deleting the account and signing
  up again with the same address earns nothing.
- `BILLING_FREE_WORKSPACES_PER_PERSON` (default 1) caps the free-plan
  workspaces a user owns; creating one more answers 409
  `free_workspace_limit` (`free_workspace_check`, run before the workspace
  exists).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from billing.models import BillingAccount, FreeAllowance
from billing.services.ledger import _lock_account, _save, _start_period, add_months, billing_account_open
from nexusone.errors import Conflict

# Providers where dots in the local part are ignored: one inbox, one person.
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def _normalise(email: str) -> str:
    """One spelling per inbox: lower case, no `+tag`, and no dots where the
    provider ignores them — so aliases of one address are one person."""
    local, _sep, domain = (email or "").strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def person_key(email: str) -> str:
    """A keyed hash (HMAC-SHA256 with the server's SECRET_KEY) of the normalised
    address: equal for one person, not reversible without the key."""
    return salted_hmac("billing.free_allowance", _normalise(email), algorithm="sha256").hexdigest()


def free_allowance_claim(*, user, email: str, workspace=None) -> bool:
    """Give `user`'s personal workspace (or `workspace`) the free plan's
    credits if the person behind the verified `email` never had them.

    Idempotent: a signal fired twice, a second verified address or a second
    account of the same person grant nothing. Returns whether it granted."""
    from accounts.models import Workspace

    if workspace is None:
        workspace = Workspace.objects.filter(owner=user, is_personal=True).order_by("pk").first()
    if workspace is None or not email:
        return False
    now = timezone.now()
    with transaction.atomic():
        billing_account_open(workspace=workspace, free_allowance=False)
        account = _lock_account(workspace_id=workspace.pk)  # serialises concurrent claims
        if account.free_allowance:
            return False
        _allowance, created = FreeAllowance.objects.get_or_create(person=person_key(email))
        if not created:
            return False
        account.free_allowance = True
        fields = ["free_allowance"]
        if account.plan.is_default:
            # A free period starts now with the plan's credits (a paid plan's
            # credits are untouched; the allowance applies if it lapses).
            _start_period(
                account, plan=account.plan, start=now, end=add_months(now, 1), key=f"allowance:{workspace.pk}"
            )
            fields += ["plan", "current_period_start", "current_period_end"]
        _save(account, *fields)
    return True


def free_workspace_check(*, owner) -> None:
    """409 `free_workspace_limit` when `owner` already owns as many free-plan
    workspaces as one person may (BILLING_FREE_WORKSPACES_PER_PERSON).

    Runs inside the creating transaction with the owner's row locked, so two
    concurrent creations cannot both pass. A workspace without an account yet
    counts as free (it would open on the free plan)."""
    from accounts.models import User, Workspace

    limit = settings.BILLING_FREE_WORKSPACES_PER_PERSON
    User.objects.select_for_update().filter(pk=owner.pk).first()
    owned = Workspace.objects.filter(owner=owner)
    paid = BillingAccount.unscoped.filter(workspace__in=owned, plan__is_default=False).values("workspace_id")
    free = owned.exclude(pk__in=paid).count()
    if free >= limit:
        raise Conflict(
            _(
                "You have reached the number of free workspaces one person may own (%(limit)s). "
                "Upgrade one of your workspaces to a paid plan, or ask to be invited to an existing one."
            )
            % {"limit": limit},
            code="free_workspace_limit",
            details={"limit": limit, "owned": free},
        )
