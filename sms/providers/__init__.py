"""SMS providers: Twilio when TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are
set (with a sender: TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID),
else the offline sandbox."""

from __future__ import annotations

from django.conf import settings

from sms.providers.base import SmsAccepted, SmsFailure, SmsProvider, SmsRequest

__all__ = ["SmsAccepted", "SmsFailure", "SmsProvider", "SmsRequest", "provider_for", "provider_name"]


def provider_name() -> str:
    return "twilio" if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN else "offline"


def provider_for() -> SmsProvider:
    if provider_name() == "twilio":
        from sms.providers.twilio import TwilioProvider

        return TwilioProvider(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            from_number=settings.TWILIO_FROM_NUMBER,
            messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
        )
    from sms.providers.sandbox import SandboxProvider

    return SandboxProvider()
