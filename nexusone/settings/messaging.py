"""Outgoing mail, e-mail campaigns (django-anymail), SMS (Twilio) and journeys."""

from __future__ import annotations

from .base import env

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="NexusOne <no-reply@nexusone.local>")

# --- E-mail campaigns (emails/): see emails/backends.py and emails/dns.py --------
# A sending service through django-anymail (amazon_ses|ses, brevo, mailgun, postmark, sendgrid, resend,
# sparkpost, mailersend); empty: EMAIL_URL's backend (SMTP or the console). One API key, an optional API
# base URL (a local stand-in), the webhooks' basic-auth "user:password" and the provider's signing key.
ANYMAIL_PROVIDER = env("ANYMAIL_PROVIDER", default="").strip().lower()
ANYMAIL_API_KEY = env("ANYMAIL_API_KEY", default="")
ANYMAIL_API_URL = env("ANYMAIL_API_URL", default="")
ANYMAIL_WEBHOOK_SECRET = env("ANYMAIL_WEBHOOK_SECRET", default="")
ANYMAIL_WEBHOOK_SIGNING_KEY = env("ANYMAIL_WEBHOOK_SIGNING_KEY", default="")
_ANYMAIL_NAMES = {  # provider → (API key setting, API URL setting, webhook signing key setting)
    "brevo": ("BREVO_API_KEY", "BREVO_API_URL", ""),
    "mailgun": ("MAILGUN_API_KEY", "MAILGUN_API_URL", "MAILGUN_WEBHOOK_SIGNING_KEY"),
    "postmark": ("POSTMARK_SERVER_TOKEN", "POSTMARK_API_URL", ""),
    "sendgrid": ("SENDGRID_API_KEY", "SENDGRID_API_URL", ""),
    "resend": ("RESEND_API_KEY", "RESEND_API_URL", "RESEND_SIGNING_SECRET"),
    "sparkpost": ("SPARKPOST_API_KEY", "SPARKPOST_API_URL", ""),
    "mailersend": ("MAILERSEND_API_TOKEN", "MAILERSEND_API_URL", "MAILERSEND_SIGNING_SECRET"),
}
ANYMAIL: dict = {}
if ANYMAIL_WEBHOOK_SECRET:
    ANYMAIL["WEBHOOK_SECRET"] = ANYMAIL_WEBHOOK_SECRET
for _name, _value in zip(
    _ANYMAIL_NAMES.get(ANYMAIL_PROVIDER, ("", "", "")),
    (ANYMAIL_API_KEY, ANYMAIL_API_URL, ANYMAIL_WEBHOOK_SIGNING_KEY),
    strict=True,
):
    if _name and _value:
        ANYMAIL[_name] = _value
# Plain SMTP: DKIM-sign campaign messages with this RSA key (PEM) under this selector.
DKIM_PRIVATE_KEY = env.str("DKIM_PRIVATE_KEY", multiline=True, default="")
DKIM_SELECTOR = env("DKIM_SELECTOR", default="nexusone")
# Domains that count as verified senders without a DNS lookup (comma-separated), the SPF include to
# publish (default: the provider's), and DNS servers for the checks ("host" or "host:port"; default: system).
EMAIL_VERIFIED_DOMAINS = env.list("EMAIL_VERIFIED_DOMAINS", default=[])
EMAIL_SPF_INCLUDE = env("EMAIL_SPF_INCLUDE", default="")
EMAIL_DNS_NAMESERVERS = env.list("EMAIL_DNS_NAMESERVERS", default=[])
# Sending: messages per second for all workers together, recipients per send task, attempts on temporary
# refusals, when a message stuck in "sending" (its worker died) is given up, and the largest campaign.
EMAIL_RATE_LIMIT_PER_SECOND = env.int("EMAIL_RATE_LIMIT_PER_SECOND", default=100)
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", default=500)
EMAIL_SEND_MAX_ATTEMPTS = env.int("EMAIL_SEND_MAX_ATTEMPTS", default=5)
EMAIL_SENDING_STALE_SECONDS = env.int("EMAIL_SENDING_STALE_SECONDS", default=600)
EMAIL_MAX_RECIPIENTS = env.int("EMAIL_MAX_RECIPIENTS", default=200_000)

# --- SMS (sms/): Twilio's Messages API; the offline sandbox without an account SID and token ---
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_BASE_URL = env("TWILIO_BASE_URL", default="https://api.twilio.com")
# Messages per second for all workers together (a long code sends 1/s; a Messaging Service queues more),
# recipients per send task, and the largest campaign.
SMS_RATE_LIMIT_PER_SECOND = env.int("SMS_RATE_LIMIT_PER_SECOND", default=10)
SMS_BATCH_SIZE = env.int("SMS_BATCH_SIZE", default=200)
SMS_MAX_RECIPIENTS = env.int("SMS_MAX_RECIPIENTS", default=100_000)

# --- Journeys (journeys/): enrollments moved per transaction by the every-minute beat ---
JOURNEYS_BATCH_SIZE = env.int("JOURNEYS_BATCH_SIZE", default=500)
