"""Audit log of sensitive actions.

Contract: services (never views) call `audit_record()` for every sensitive
mutation — sign-in, MFA changes, membership and role changes, API keys,
credit adjustments, plan changes, exports, deletions. Entries are append-only:
the admin shows them read-only, workspace owners read their workspace's.
Actions are dotted: `<app>.<entity>.<verb>`, e.g. `accounts.member.role_changed`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceScopedManager

# Human labels for the dotted actions, shown to workspace owners. Apps add
# theirs with `register_action_labels()`; an unknown action shows its code.
ACTION_LABELS: dict[str, str] = {
    "accounts.user.signed_up": _("Signed up"),
    "accounts.user.signed_in": _("Signed in"),
    "accounts.workspace.created": _("Workspace created"),
    "accounts.workspace.renamed": _("Workspace renamed"),
    "accounts.workspace.deleted": _("Workspace deleted"),
    "accounts.workspace.suspended": _("Workspace suspended"),
    "accounts.workspace.unsuspended": _("Workspace suspension lifted"),
    "accounts.member.role_changed": _("Member role changed"),
    "accounts.member.removed": _("Member removed"),
    "accounts.member.joined": _("Member joined"),
    "accounts.invitation.created": _("Invitation sent"),
    "accounts.invitation.revoked": _("Invitation revoked"),
    "accounts.api_key.created": _("API key created"),
    "accounts.api_key.revoked": _("API key revoked"),
    "accounts.mfa.changed": _("Two-factor authentication changed"),
}


# The actor when no user is left to name (choices stay as they are: no migration).
ACTOR_LABELS: dict[str, str] = {"user": _("User"), "api_key": _("API key"), "system": _("System")}


def register_action_labels(labels: dict[str, str]) -> None:
    ACTION_LABELS.update(labels)


class AuditEntry(models.Model):
    class ActorType(models.TextChoices):
        USER = "user", "user"
        API_KEY = "api_key", "API key"
        SYSTEM = "system", "system"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    workspace = models.ForeignKey(
        "accounts.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries"
    )
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    # Fail closed (T27): read through the active workspace's scope; staff
    # consoles and the writer use `unscoped` on purpose.
    objects = WorkspaceScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"])]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def action_label(self) -> str:
        label = ACTION_LABELS.get(self.action, self.action)
        # A label registered through eager gettext at import time is the English
        # msgid: translate it now, in the reader's language.
        return gettext(label) if isinstance(label, str) else str(label)

    @property
    def actor_label(self) -> str:
        if self.actor_type == self.ActorType.API_KEY and self.actor_api_key_id:
            return _("API key %(id)s") % {"id": self.actor_api_key_id}
        if self.actor_user_id:
            return str(self.actor_user)
        return str(ACTOR_LABELS.get(self.actor_type, self.actor_type))


def client_ip(request) -> str | None:
    """The client address: REMOTE_ADDR, or X-Forwarded-For as far as its hops
    are our own TRUSTED_PROXIES (nexusone.clientip)."""
    from nexusone.clientip import client_ip as resolved

    return resolved(request)


def audit_record(
    *,
    action: str,
    request=None,
    user=None,
    api_key=None,
    workspace=None,
    target: models.Model | None = None,
    metadata: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry. The actor comes from `api_key`, `user`, or the request."""
    if request is not None:
        auth = getattr(request, "auth", None)
        if api_key is None and auth is not None and auth.__class__.__name__ == "ApiKey":
            api_key = auth
        if user is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
            user = request.user
    if api_key is not None:
        actor_type = AuditEntry.ActorType.API_KEY
    elif user is not None:
        actor_type = AuditEntry.ActorType.USER
    else:
        actor_type = AuditEntry.ActorType.SYSTEM
    return AuditEntry.unscoped.create(
        actor_type=actor_type,
        actor_user=user,
        actor_api_key=api_key,
        workspace=workspace,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        metadata=metadata or {},
        ip_address=client_ip(request),
    )
