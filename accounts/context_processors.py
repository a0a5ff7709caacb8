"""The verification banner: until a user's e-mail address is verified, every
workspace page says so, with a way to get the e-mail again — the free plan's
credits arrive only after verification (billing grants them on allauth's
`email_confirmed`), so without it a newcomer would meet "0 credits" with no
idea why."""

from __future__ import annotations


def verification(request) -> dict:
    user = getattr(request, "user", None)
    if getattr(request, "workspace", None) is None or user is None or not user.is_authenticated:
        return {}
    from allauth.account.models import EmailAddress

    if EmailAddress.objects.filter(user=user, verified=True).exists():
        return {}
    return {"email_unverified": user.email}
