"""Data subjects: a contact's export and erase, a user's export and deletion.

What to touch comes from the registry (nexusone/personal_data.py); this
module only applies each holding's rule."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, Membership, Role
from nexusone.audit import audit_record
from nexusone.errors import Conflict, ValidationFailed
from nexusone.permissions import require
from nexusone.personal_data import (
    Holding,
    contact_holdings,
    exported_fields,
    user_export_holdings,
    user_holdings,
)
from privacy.models import ErasureBlock


def _rows(holding: Holding, queryset) -> list[dict]:
    return list(queryset.order_by("pk").values(*exported_fields(holding)))


def _ordered(holdings: list[Holding], last: str) -> list[Holding]:
    return sorted(holdings, key=lambda h: (h.label == last, h.label))


# --- keyed hashes of erased addresses -------------------------------------------------------


def _digest(kind: str, value: str) -> str:
    key = hashlib.sha256(f"nexusone.privacy.block:{settings.SECRET_KEY}".encode()).digest()
    normalized = value.strip().lower() if kind == ErasureBlock.Kind.EMAIL else "".join(value.split())
    return hmac.new(key, f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()


def is_blocked(*, workspace, email: str = "", phone: str = "") -> bool:
    """Did an erased person ask not to be imported again? (CRM imports ask.)"""
    digests = []
    if email:
        digests.append((ErasureBlock.Kind.EMAIL, _digest(ErasureBlock.Kind.EMAIL, email)))
    if phone:
        digests.append((ErasureBlock.Kind.PHONE, _digest(ErasureBlock.Kind.PHONE, phone)))
    return any(
        ErasureBlock.unscoped.filter(workspace_id=workspace.pk, kind=kind, digest=digest).exists()
        for kind, digest in digests
    )


def blocked_addresses(*, workspace_id: int, emails=(), phones=()) -> tuple[set[str], set[str]]:
    """Which of these e-mails and phones belong to erased people who asked not
    to be imported again: (blocked e-mails, blocked phones), one query for a
    whole batch (a CRM import's chunk)."""
    wanted: dict[tuple[str, str], str] = {}
    for kind, values in ((ErasureBlock.Kind.EMAIL, emails), (ErasureBlock.Kind.PHONE, phones)):
        for value in values:
            if value:
                wanted[(kind, _digest(kind, value))] = value
    found: tuple[set[str], set[str]] = (set(), set())
    if not wanted:
        return found
    rows = ErasureBlock.unscoped.filter(workspace_id=workspace_id, digest__in={d for _kind, d in wanted})
    for kind, digest in rows.values_list("kind", "digest"):
        value = wanted.get((kind, digest))
        if value is not None:
            found[0 if kind == ErasureBlock.Kind.EMAIL else 1].add(value)
    return found


def has_blocked_addresses(*, workspace_id: int) -> bool:
    return ErasureBlock.unscoped.filter(workspace_id=workspace_id).exists()


# --- contacts ---------------------------------------------------------------------------------


def contact_export(*, contact, role: str) -> dict:
    require("privacy.contact.export", role=role)
    data = {}
    for holding in _ordered(contact_holdings(), last=""):
        rows = holding.contact_rows(contact)
        data[holding.label] = _rows(holding, rows)
    return {"contact_id": contact.pk, "generated_at": timezone.now(), "records": data}


def contact_erase(*, contact, role: str, user=None, block: bool = False, request=None) -> dict[str, int]:
    """Remove the person from every module; rows that statistics count are
    kept without their personal fields (`contact_erase="anonymize"`)."""
    require("privacy.contact.erase", role=role)
    counts: dict[str, int] = {}
    workspace = contact.workspace
    with transaction.atomic():
        if block:
            for kind, value in ((ErasureBlock.Kind.EMAIL, contact.email), (ErasureBlock.Kind.PHONE, contact.phone)):
                if value:
                    ErasureBlock.unscoped.get_or_create(workspace=workspace, kind=kind, digest=_digest(kind, value))
        # The contact's own row goes last: the other lookups use its fields.
        for holding in _ordered(contact_holdings(), last="crm.Contact"):
            rows = holding.contact_rows(contact)
            if holding.contact_erase == "delete":
                _total, per_model = rows.delete()
                counts[holding.label] = per_model.get(holding.label, 0)
            elif holding.contact_erase == "anonymize":
                counts[holding.label] = rows.update(**holding.anonymized_values())
        audit_record(
            action="privacy.contact.erased",
            request=request,
            user=user,
            workspace=workspace,
            metadata={"contact_id": contact.pk, "counts": counts, "blocked": block},
        )
    return counts


# --- users --------------------------------------------------------------------------------------


USER_EXPORT_VERSION = 1


def user_export(*, user) -> dict:
    """The person's own data: for each holding with `user_fields`, those
    columns of the rows about them (an allowlist, so no other person's data
    and no workspace content), limited to the workspaces they belong to now
    (a workspace they left keeps its own records) and rows of no workspace."""
    from django.db.models import Q

    member_of = list(Membership.objects.filter(user=user).values_list("workspace_id", flat=True))
    records: dict[str, list[dict]] = {}
    for holding in sorted(user_export_holdings(), key=lambda h: h.label):
        rows = holding.user_rows(user)
        if holding.has_workspace:
            rows = rows.filter(Q(workspace_id__in=member_of) | Q(workspace_id__isnull=True))
        records[holding.label] = list(rows.order_by("pk").values(*holding.user_fields))
    return {
        "format_version": USER_EXPORT_VERSION,
        "user_id": user.pk,
        "generated_at": timezone.now(),
        "records": records,
        "sessions": {"active": _session_count(user)},
    }


def sole_owned_workspaces(user) -> list:
    owned = Membership.objects.filter(user=user, role=Role.OWNER).values_list("workspace_id", flat=True)
    counts = (
        Membership.objects.filter(workspace_id__in=list(owned), role=Role.OWNER)
        .values("workspace_id")
        .annotate(owners=Count("id"))
    )
    sole = [row["workspace_id"] for row in counts if row["owners"] == 1]
    from accounts.models import Workspace

    return list(Workspace.objects.filter(pk__in=sole, is_personal=False).order_by("name"))


def user_delete(*, user, password: str, request=None) -> dict[str, int]:
    """Remove memberships, anonymize the account, revoke its keys and logins."""
    if not user.has_usable_password() or not check_password(password or "", user.password):  # no re-hash on save
        raise ValidationFailed(
            _("The password is not correct."), code="invalid_password", details={"password": [_("Incorrect.")]}
        )
    sole = sole_owned_workspaces(user)
    if sole:
        raise Conflict(
            _("You are the only owner of some workspaces: transfer or delete them first."),
            code="sole_owner",
            details={"workspaces": [{"id": w.pk, "slug": w.slug, "name": w.name} for w in sole]},
        )
    from accounts.models import Workspace

    counts: dict[str, int] = {}
    with transaction.atomic():
        personal = list(Workspace.objects.filter(owner=user, is_personal=True))
        ApiKey.unscoped.filter(created_by=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        for holding in sorted(user_holdings(), key=lambda h: (h.label == "accounts.User", h.label)):
            rows = holding.user_rows(user)
            if holding.user_erase == "delete":
                _total, per_model = rows.delete()
                counts[holding.label] = per_model.get(holding.label, 0)
            elif holding.user_erase == "anonymize":
                values = holding.anonymized_values()
                if holding.label == "accounts.User":
                    values.update(email=f"deleted-{user.pk}@deleted.invalid", name="", is_active=False)
                counts[holding.label] = rows.update(**values)
        user.refresh_from_db()
        user.set_unusable_password()  # every session's auth hash changes: logged out everywhere
        user.save(update_fields=["password"])
        _end_sessions(user)
        audit_record(action="privacy.user.deleted", user=None, metadata={"user_id": user.pk, "counts": counts})
    # Personal workspaces have no other owner: they go through the usual purge.
    from privacy.models import WorkspaceDeletion

    for workspace in personal:
        WorkspaceDeletion.objects.get_or_create(
            workspace=workspace,
            status=WorkspaceDeletion.Status.PENDING,
            defaults={"purge_after": timezone.now(), "was_suspended": workspace.is_suspended},
        )
        Workspace.objects.filter(pk=workspace.pk).update(is_suspended=True)
    return counts


def _user_sessions(user):
    """The user's live server-side sessions (the table holds the user id only
    inside the encoded data, so they are decoded one by one)."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            yield session


def _session_count(user) -> int:
    return sum(1 for _session in _user_sessions(user))


def _end_sessions(user) -> None:
    """Delete the user's server-side sessions, from the cache and the table
    (stateful JWTs die with them)."""
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in list(_user_sessions(user)):
        store(session_key=session.session_key).delete()
