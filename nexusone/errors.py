"""One application error type. Services raise these; the API's exception
handler (nexusone.api.exceptions) turns every one into the SPEC envelope
`{"error": {"code", "message", "details"}}` with the matching HTTP status,
and page views show `message` to the user.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status_code: int = 400
    code: str = "invalid"
    default_message: Any = _("The request could not be processed.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        details: dict | None = None,
        status_code: int | None = None,
    ):
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.details = details or {}
        super().__init__(str(self.message))


class ValidationFailed(ApplicationError):
    status_code = 400
    code = "validation_error"
    default_message = _("Some fields are invalid.")


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    status_code = 403
    code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state.")


class InsufficientCredits(ApplicationError):
    status_code = 402
    code = "insufficient_credits"
    default_message = _("Not enough credits for this action.")

    def __init__(self, *, needed: int, available: int, message: Any = None):
        super().__init__(message, details={"needed": needed, "available": available})
        self.needed = needed
        self.available = available


class QuotaExceeded(ApplicationError):
    status_code = 403
    code = "quota_exceeded"
    default_message = _("Your plan's quota for this resource is used up.")


class PlanRequired(ApplicationError):
    status_code = 403
    code = "plan_required"
    default_message = _("Your plan does not include this feature.")


class ProviderError(ApplicationError):
    status_code = 502
    code = "provider_error"
    default_message = _("An external provider failed. Nothing was charged.")


class ProviderTimeout(ProviderError):
    status_code = 504
    code = "provider_timeout"
    default_message = _("An external provider did not answer in time. Nothing was charged.")
