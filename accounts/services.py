"""Account writes: workspaces, memberships, invitations, API keys, profile.

Keyword-only, typed, named `<entity>_<action>`. Each sensitive change writes
an audit entry. Every workspace action checks the permission table
(`nexusone.permissions`, rules in `accounts/permissions.py`) with the actor's
role (`actor_role`; `via_api_key=True` when an API key acts), so a page, the
API and the admin cannot disagree about who may do what.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import hooks, regional
from accounts.models import ROLE_RANK, ApiKey, Invitation, Membership, Role, User, Workspace
from nexusone.api.authentication import hash_api_key
from nexusone.audit import audit_record
from nexusone.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nexusone.permissions import require, require_staff
from nexusone.tenancy import workspace_scope

PROFILE_FIELDS = ("name", "preferred_language", "timezone")


def _unique_slug(name: str) -> str:
    base = slugify(name, allow_unicode=False)[:48] or "workspace"
    slug = base
    while Workspace.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


@transaction.atomic
def workspace_create(*, owner: User, name: str, is_personal: bool = False, request=None) -> Workspace:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(details={"name": [_("This field is required.")]})
    # Modules above accounts may refuse here (billing: free workspaces per person).
    hooks.workspace_creating.send(sender=Workspace, owner=owner, is_personal=is_personal)
    workspace = Workspace.objects.create(
        name=name[:120],
        slug=_unique_slug(name),
        owner=owner,
        is_personal=is_personal,
        # the creator's language and time zone until the settings say otherwise
        default_language=owner.preferred_language if owner.preferred_language in settings.LANGUAGE_CODES else "en",
        timezone=owner.timezone or "UTC",
    )
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    audit_record(
        action="accounts.workspace.created", request=request, user=owner, workspace=workspace, target=workspace
    )
    # Billing (and any module above accounts) reacts here: the free plan and its account.
    hooks.workspace_created.send(sender=Workspace, workspace=workspace, owner=owner)
    return workspace


def workspace_create_personal(*, user: User, request=None) -> Workspace:
    label = user.name or user.email.split("@")[0]
    with translation.override(user.preferred_language):
        name = _("%(name)s's workspace") % {"name": label}
    return workspace_create(owner=user, name=name, is_personal=True, request=request)


def workspace_rename(
    *, workspace: Workspace, name: str, actor: User, actor_role: str, via_api_key: bool = False, request=None
) -> Workspace:
    require("accounts.workspace.rename", role=actor_role, api_key=via_api_key)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(details={"name": [_("This field is required.")]})
    old = workspace.name
    workspace.name = name[:120]
    workspace.save(update_fields=["name", "updated_at"])
    audit_record(
        action="accounts.workspace.renamed",
        request=request,
        user=actor,
        workspace=workspace,
        target=workspace,
        metadata={"from": old, "to": workspace.name},
    )
    return workspace


WORKSPACE_SETTINGS = ("name", "default_region", "timezone", "default_language", "currency", "brand_color")
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _clean_settings(data: dict) -> dict:
    """Validate the workspace settings present in `data`; ValidationFailed names every bad field."""
    from zoneinfo import available_timezones

    cleaned, errors = {}, {}
    for field in WORKSPACE_SETTINGS:
        if field not in data:
            continue
        value = str(data[field] if data[field] is not None else "").strip()
        if field == "name" and not value:
            errors[field] = [_("This field is required.")]
        elif field == "default_region":
            value = value.upper()
            if not regional.is_region(value):
                errors[field] = [_("Choose a country from the list.")]
        elif field == "timezone" and value not in available_timezones():
            errors[field] = [_("Unknown time zone.")]
        elif field == "default_language" and value not in settings.LANGUAGE_CODES:
            errors[field] = [_("Choose one of: %s.") % ", ".join(settings.LANGUAGE_CODES)]
        elif field == "currency":
            value = value.upper()
            if value not in regional.CURRENCIES:
                errors[field] = [_("Choose a currency from the list.")]
        elif field == "brand_color":
            value = value.lower()
            if value and not _HEX_COLOR.match(value):
                errors[field] = [_("Use a colour such as #2563eb.")]
        cleaned[field] = value[:120] if field == "name" else value
    if errors:
        raise ValidationFailed(details=errors)
    return cleaned


def workspace_update_settings(
    *,
    workspace: Workspace,
    data: dict,
    actor: User,
    actor_role: str,
    via_api_key: bool = False,
    request=None,
) -> Workspace:
    """Change the workspace's settings (any of WORKSPACE_SETTINGS in `data`):
    its name, default phone region, time zone, default language, currency and
    brand colour. Saving them ticks the checklist's first step."""
    require("accounts.workspace.change", role=actor_role, api_key=via_api_key)
    cleaned = _clean_settings(data)
    changes = {field: value for field, value in cleaned.items() if getattr(workspace, field) != value}
    if changes:
        before = {field: getattr(workspace, field) for field in changes}
        for field, value in changes.items():
            setattr(workspace, field, value)
        workspace.save(update_fields=[*changes, "updated_at"])
        audit_record(
            action="accounts.workspace.settings_changed",
            request=request,
            user=actor,
            workspace=workspace,
            target=workspace,
            metadata={"from": before, "to": changes},
        )
    from accounts import onboarding

    onboarding.mark_settings_saved(workspace)
    return workspace


def workspace_set_logo(
    *, workspace: Workspace, logo, actor: User, actor_role: str, via_api_key: bool = False, request=None
) -> Workspace:
    """Point the workspace's logo at a stored public image (or None to remove it).
    The upload itself is `medialib.services.workspace_logo_upload`."""
    require("accounts.workspace.change", role=actor_role, api_key=via_api_key)
    if logo is not None and (logo.workspace_id != workspace.pk or not logo.is_public):
        raise ValidationFailed(details={"logo": [_("Upload an image for the logo.")]})
    workspace.logo = logo
    workspace.save(update_fields=["logo", "updated_at"])
    audit_record(
        action="accounts.workspace.settings_changed",
        request=request,
        user=actor,
        workspace=workspace,
        target=workspace,
        metadata={"to": {"logo": logo.path if logo is not None else ""}},
    )
    return workspace


# --- Memberships ---------------------------------------------------------


def _lock_membership(*, workspace: Workspace, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(workspace=workspace, pk=membership_id)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


def _owner_count(workspace: Workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()


def _check_can_manage(*, actor_role: str, target_role: str, new_role: str | None = None) -> None:
    """Beyond the table's rule: admins manage members and viewers and may grant
    up to admin; only owners touch owners or grant ownership."""
    ceiling = ROLE_RANK[Role(actor_role)]
    if ROLE_RANK[Role(target_role)] > ceiling or (new_role and ROLE_RANK[Role(new_role)] > ceiling):
        raise PermissionDenied(_("You cannot change a member whose role is above yours."))
    if actor_role != Role.OWNER and Role.OWNER in (target_role, new_role):
        raise PermissionDenied(_("Only an owner can change ownership."))


@transaction.atomic
def membership_change_role(
    *,
    workspace: Workspace,
    membership_id: int,
    role: str,
    actor: User,
    actor_role: str,
    via_api_key: bool = False,
    request=None,
) -> Membership:
    require("accounts.member.change_role", role=actor_role, api_key=via_api_key)
    if role not in Role.values:
        raise ValidationFailed(details={"role": [_("Choose one of: %s.") % ", ".join(Role.values)]})
    membership = _lock_membership(workspace=workspace, membership_id=membership_id)
    _check_can_manage(actor_role=actor_role, target_role=membership.role, new_role=role)
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(workspace) <= 1:
        raise Conflict(_("A workspace needs at least one owner."), code="last_owner")
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        action="accounts.member.role_changed",
        request=request,
        user=actor,
        workspace=workspace,
        target=membership,
        metadata={"user": membership.user.email, "from": old, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(
    *,
    workspace: Workspace,
    membership_id: int,
    actor: User,
    actor_role: str,
    via_api_key: bool = False,
    request=None,
) -> None:
    membership = _lock_membership(workspace=workspace, membership_id=membership_id)
    if membership.user_id == actor.pk:
        require("accounts.member.leave", role=actor_role, api_key=via_api_key)
    else:
        require("accounts.member.remove", role=actor_role, api_key=via_api_key)
        _check_can_manage(actor_role=actor_role, target_role=membership.role)
    if membership.role == Role.OWNER and _owner_count(workspace) <= 1:
        raise Conflict(_("A workspace needs at least one owner."), code="last_owner")
    # A removed member's API keys stop working with their membership.
    with workspace_scope(workspace):
        ApiKey.objects.filter(created_by=membership.user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        action="accounts.member.removed",
        request=request,
        user=actor,
        workspace=workspace,
        target=membership,
        metadata={"user": membership.user.email, "role": membership.role},
    )
    membership.delete()


# --- Invitations ---------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *,
    workspace: Workspace,
    email: str,
    role: str,
    actor: User,
    actor_role: str,
    via_api_key: bool = False,
    request=None,
) -> Invitation:
    """Invite `email` with `role` and e-mail them an accept link. Requires the
    workspace scope to be active."""
    require("accounts.invitation.create", role=actor_role, api_key=via_api_key)
    email = User.objects.normalize_email(email or "").strip().lower()
    if role not in Role.values:
        raise ValidationFailed(details={"role": [_("Choose one of: %s.") % ", ".join(Role.values)]})
    _check_can_manage(actor_role=actor_role, target_role=Role.VIEWER, new_role=role)
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise Conflict(_("This person is already a member."), code="already_member")
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                workspace=workspace, email=email, role=role, token_hash=_token_digest(token), invited_by=actor
            )
    except IntegrityError:
        raise Conflict(_("An invitation to this address is already pending."), code="already_invited") from None
    accept_url = settings.SITE_URL + reverse("invitation_accept", kwargs={"token": token})
    invitee = User.objects.filter(email__iexact=email).first()
    language = invitee.preferred_language if invitee else (actor.preferred_language or settings.LANGUAGE_CODE)
    context = {"workspace": workspace, "inviter": actor, "accept_url": accept_url, "role": invitation.get_role_display}
    transaction.on_commit(lambda: _send_invitation_mail(email, language, context))
    audit_record(
        action="accounts.invitation.created",
        request=request,
        user=actor,
        workspace=workspace,
        target=invitation,
        metadata={"email": email, "role": role},
    )
    invitation.accept_url = accept_url  # shown once to the inviter, like the e-mail
    return invitation


def _send_invitation_mail(email: str, language: str, context: dict) -> None:
    # Outbound messages render in the recipient's language.
    with translation.override(language):
        context = {**context, "role": str(context["role"]())}
        subject = _("You are invited to %(workspace)s on NexusOne") % {"workspace": context["workspace"].name}
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


def invitation_revoke(
    *, invitation: Invitation, actor: User, actor_role: str, via_api_key: bool = False, request=None
) -> Invitation:
    require("accounts.invitation.revoke", role=actor_role, api_key=via_api_key)
    if invitation.status != Invitation.Status.PENDING:
        raise Conflict(_("Only a pending invitation can be revoked."), code="not_pending")
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status", "updated_at"])
    audit_record(
        action="accounts.invitation.revoked",
        request=request,
        user=actor,
        workspace=invitation.workspace,
        target=invitation,
        metadata={"email": invitation.email},
    )
    return invitation


def invitation_get_by_token(*, token: str) -> Invitation:
    # The token identifies the tenant, so this lookup is deliberately unscoped.
    invitation = Invitation.unscoped.select_related("workspace").filter(token_hash=_token_digest(token)).first()
    if invitation is None or invitation.status != Invitation.Status.PENDING or invitation.is_expired:
        raise NotFound(_("This invitation is invalid or has expired."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User, request=None) -> Membership:
    invitation = invitation_get_by_token(token=token)
    invitation = Invitation.unscoped.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise NotFound(_("This invitation is invalid or has expired."))
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(_("This invitation was sent to another e-mail address."))
    membership, _created = Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at", "updated_at"])
    audit_record(
        action="accounts.member.joined",
        request=request,
        user=user,
        workspace=invitation.workspace,
        target=membership,
        metadata={"role": membership.role, "via": "invitation"},
    )
    return membership


# --- API keys ------------------------------------------------------------


def api_key_create(
    *,
    workspace: Workspace,
    name: str,
    role: str,
    actor: User,
    actor_role: str,
    via_api_key: bool = False,
    request=None,
) -> tuple[ApiKey, str]:
    """Create a key; return it with its secret, which is never retrievable again.
    SPEC: API keys need a plan with the `api_keys` feature (pro, premium) —
    403 `plan_required` otherwise."""
    require("accounts.api_key.create", role=actor_role, api_key=via_api_key)
    hooks.require_feature(workspace=workspace, feature=hooks.API_KEYS)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(details={"name": [_("This field is required.")]})
    role = role or Role.MEMBER
    if role not in Role.values:
        raise ValidationFailed(details={"role": [_("Choose one of: %s.") % ", ".join(Role.values)]})
    if ROLE_RANK[Role(role)] > ROLE_RANK[Role(actor_role)]:
        raise PermissionDenied(_("A key cannot have a role above yours."))
    prefix, secret = ApiKey.generate_secret()
    api_key = ApiKey.objects.create(
        workspace=workspace,
        name=name[:100],
        prefix=prefix,
        key_hash=hash_api_key(secret),
        role=role,
        created_by=actor,
    )
    audit_record(
        action="accounts.api_key.created",
        request=request,
        user=actor,
        workspace=workspace,
        target=api_key,
        metadata={"prefix": prefix, "role": role},
    )
    return api_key, secret


def api_key_revoke(*, api_key: ApiKey, actor: User, actor_role: str, via_api_key: bool = False, request=None) -> ApiKey:
    require("accounts.api_key.revoke", role=actor_role, api_key=via_api_key)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            action="accounts.api_key.revoked",
            request=request,
            user=actor,
            workspace=api_key.workspace,
            target=api_key,
            metadata={"prefix": api_key.prefix},
        )
    return api_key


# --- Profile -------------------------------------------------------------


def user_update_profile(*, user: User, data: dict, via_api_key: bool = False) -> User:
    # A profile belongs to the person, whatever the workspace: any role, never a key.
    require("accounts.profile.change", role=Role.VIEWER, api_key=via_api_key)
    changed = [field for field in PROFILE_FIELDS if field in data and getattr(user, field) != data[field]]
    for field in changed:
        setattr(user, field, data[field])
    if changed:
        user.full_clean(exclude=["password", "email"])
        user.save(update_fields=changed)
    return user


def workspace_set_suspended(*, workspace: Workspace, suspended: bool, actor: User, request=None) -> Workspace:
    """Staff action: a suspended workspace answers 404 to its members."""
    require_staff(actor, "accounts.workspace.suspend")
    workspace.is_suspended = suspended
    workspace.save(update_fields=["is_suspended", "updated_at"])
    audit_record(
        action="accounts.workspace.suspended" if suspended else "accounts.workspace.unsuspended",
        request=request,
        user=actor,
        workspace=workspace,
        target=workspace,
    )
    return workspace
