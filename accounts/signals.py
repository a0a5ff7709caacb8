"""Audit hooks on allauth's signals — the only place allauth reports
sign-ins and MFA changes for every path (pages, API, social). Recording an
audit entry is the whole effect; no business rule lives here."""

from __future__ import annotations

from allauth.account.signals import user_logged_in
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.dispatch import receiver

from nexusone.audit import audit_record


def _via(request) -> str:
    headless = getattr(getattr(request, "allauth", None), "headless", None)
    return "api" if headless is not None else "web"


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    audit_record(action="accounts.user.signed_in", request=request, user=user, metadata={"via": _via(request)})


def _audit_mfa(change: str):
    def handler(sender, request=None, user=None, authenticator=None, **kwargs):
        user = user or getattr(authenticator, "user", None)
        kind = getattr(authenticator, "type", "")
        audit_record(
            action="accounts.mfa.changed", request=request, user=user, metadata={"change": change, "type": kind}
        )

    return handler


authenticator_added.connect(_audit_mfa("added"), weak=False, dispatch_uid="audit_mfa_added")
authenticator_removed.connect(_audit_mfa("removed"), weak=False, dispatch_uid="audit_mfa_removed")
authenticator_reset.connect(_audit_mfa("reset"), weak=False, dispatch_uid="audit_mfa_reset")
