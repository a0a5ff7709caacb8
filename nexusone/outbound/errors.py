"""The typed errors of the outbound door.

They are application errors (`nexusone.errors`), so one left uncaught still
becomes a clean envelope: an unsafe user-supplied address is the caller's
input error (400 `url_not_allowed`); a provider that times out or cannot be
reached is a 504 / 502. Messages never contain the URL (it may carry a token
in its query) — `details` says which service and why.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nexusone.errors import ApplicationError, ProviderError, ProviderTimeout


class UnsafeURL(ApplicationError):
    """A user-supplied URL or host that the SSRF rules refuse. Raised before
    any connection is opened. `details["reason"]` is one of: invalid, scheme,
    credentials, host, numeric_host, port, unresolvable, private_address,
    too_many_redirects."""

    status_code = 400
    code = "url_not_allowed"
    default_message = _("This address cannot be used: only public web addresses (http or https) are allowed.")

    def __init__(self, reason: str, message=None):
        super().__init__(message, details={"reason": reason})
        self.reason = reason


class OutboundError(ProviderError):
    """The remote service failed at the transport level (could not connect,
    the connection broke, the answer was unusable)."""

    default_message = _("An external service could not be reached. Please try again later.")

    def __init__(self, *, service: str, reason: str, message=None):
        super().__init__(message, details={"provider": service, "reason": reason})
        self.service = service
        self.reason = reason


class OutboundTimeout(ProviderTimeout):
    """The remote service did not answer within the time allowed."""

    default_message = _("An external service did not answer in time. Please try again later.")

    def __init__(self, *, service: str, reason: str = "timeout", message=None):
        super().__init__(message, details={"provider": service, "reason": reason})
        self.service = service
        self.reason = reason


class ResponseTooLarge(OutboundError):
    """The answer was bigger than the caller's byte cap; reading stopped."""

    default_message = _("The external service sent more data than allowed.")

    def __init__(self, *, service: str, limit: int):
        super().__init__(service=service, reason="response_too_large")
        self.details["limit_bytes"] = limit
        self.limit = limit
