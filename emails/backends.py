"""Which Django e-mail backend sends campaigns, and the DKIM-signing SMTP backend.

- ANYMAIL_PROVIDER set (amazon_ses/ses, brevo, mailgun, postmark, sendgrid,
  resend, sparkpost, mailersend): django-anymail's backend for it, keys in
  settings.ANYMAIL (built from ANYMAIL_API_KEY, ANYMAIL_API_URL, …). The
  service signs DKIM for the sender's domain and reports deliveries, bounces
  and complaints to `/webhooks/email/<provider>/tracking/`.
- Otherwise Django's backend from EMAIL_URL (`smtp://`, `smtp+tls://`, the
  console by default). Over SMTP with DKIM_PRIVATE_KEY set, `DkimSmtpBackend`
  signs each campaign message for its sender's domain (selector
  DKIM_SELECTOR), covering From, To, Subject, Date, Message-ID, MIME headers
  and both List-Unsubscribe headers (RFC 8058 asks for the latter).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

ANYMAIL_BACKENDS = {
    "ses": "amazon_ses",
    "amazon_ses": "amazon_ses",
    "brevo": "brevo",
    "mailgun": "mailgun",
    "postmark": "postmark",
    "sendgrid": "sendgrid",
    "resend": "resend",
    "sparkpost": "sparkpost",
    "mailersend": "mailersend",
}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DKIM_HEADERS = (
    b"From", b"To", b"Subject", b"Date", b"Message-ID", b"MIME-Version", b"Content-Type",
    b"List-Unsubscribe", b"List-Unsubscribe-Post", b"Reply-To",
)  # fmt: skip


def anymail_esp() -> str:
    """The anymail backend module name of the configured provider, or ''."""
    return ANYMAIL_BACKENDS.get((settings.ANYMAIL_PROVIDER or "").lower(), "")


def campaign_backend_path() -> str:
    esp = anymail_esp()
    if esp:
        return f"anymail.backends.{esp}.EmailBackend"
    if settings.EMAIL_BACKEND == SMTP_BACKEND and settings.DKIM_PRIVATE_KEY:
        return "emails.backends.DkimSmtpBackend"
    return settings.EMAIL_BACKEND


def provider_name() -> str:
    esp = anymail_esp()
    if esp:
        return esp
    return {SMTP_BACKEND: "smtp", "emails.backends.DkimSmtpBackend": "smtp"}.get(
        campaign_backend_path(), campaign_backend_path().rsplit(".", 2)[-2]
    )


def campaign_connection():
    """A connection of the campaign backend; raises on failures (never silent)."""
    return get_connection(backend=campaign_backend_path(), fail_silently=False)


class DkimSmtpBackend(SmtpBackend):
    """SMTP that DKIM-signs messages carrying a `dkim_domain` attribute."""

    def _send(self, email_message):
        domain = getattr(email_message, "dkim_domain", "")
        if not domain or not settings.DKIM_PRIVATE_KEY:
            return super()._send(email_message)
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in email_message.recipients()]
        raw = email_message.message().as_bytes(linesep="\r\n")
        import dkim  # deferred: it loads dnspython's resolver, 0.15 s of a web worker's boot

        signature = dkim.sign(
            raw,
            settings.DKIM_SELECTOR.encode(),
            domain.encode(),
            settings.DKIM_PRIVATE_KEY.encode(),
            # A listed header that is absent is signed as absent: nobody can add it later.
            include_headers=list(DKIM_HEADERS),
        )
        self.connection.sendmail(from_email, recipients, signature + raw)
        return True
