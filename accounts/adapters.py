"""allauth adapters: sign-up (page, API or social) creates the personal
workspace; the language and name given at sign-up are kept."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from nexusone.audit import audit_record


def _apply_profile(request, user) -> None:
    profile = getattr(request, "_nexusone_signup_profile", None) or {}
    name = (profile.get("name") or "").strip()
    if name:
        user.name = name[:150]
    language = profile.get("preferred_language") or translation.get_language() or settings.LANGUAGE_CODE
    language = language.split("-")[0]
    if language in settings.LANGUAGE_CODES:
        user.preferred_language = language


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        from accounts.services import workspace_create_personal

        user = super().save_user(request, user, form, commit=False)
        _apply_profile(request, user)
        if commit:
            user.save()
            workspace_create_personal(user=user, request=request)
            audit_record(action="accounts.user.signed_up", request=request, user=user)
        return user

    def get_login_redirect_url(self, request):
        return reverse("dashboard")

    def get_client_ip(self, request):
        # allauth's own rate limits (failed logins per address, sign-ups…) see
        # the same client address as ours: X-Forwarded-For only through TRUSTED_PROXIES.
        from django.core.exceptions import PermissionDenied

        from nexusone.clientip import client_ip

        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        from accounts.models import Membership
        from accounts.services import workspace_create_personal

        user = super().save_user(request, sociallogin, form)
        # With the sign-up form (allauth asks for a missing e-mail), allauth runs the
        # account adapter's save_user too, which already made the personal workspace.
        if not Membership.objects.filter(user=user, workspace__is_personal=True).exists():
            workspace_create_personal(user=user, request=request)
        return user
