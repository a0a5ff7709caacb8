"""One envelope for every API error.

`{"error": {"code": "...", "message": "...", "details": {...}}}` — for DRF's
exceptions, Django's 404/permission/size errors and our ApplicationError
hierarchy alike. Messages are translated by the active language, which
LocaleMiddleware takes from Accept-Language for API requests.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from nexusone.errors import ApplicationError

# DRF exception class → our stable error code.
_CODES: dict[type, str] = {
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "validation_error",
}


def error_body(code: str, message: Any, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def _flatten_details(detail: Any) -> Any:
    """ErrorDetail trees → plain strings, keeping the field → messages shape."""
    if isinstance(detail, dict):
        return {key: _flatten_details(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten_details(item) for item in detail]
    return str(detail)


def _validation_details(detail: Any) -> dict:
    if isinstance(detail, dict):
        return _flatten_details(detail)
    if isinstance(detail, list):
        return {"non_field_errors": _flatten_details(detail)}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, ApplicationError):
        set_rollback()
        retry_after = getattr(exc, "retry_after", None)  # e.g. a provider's own rate limit
        if retry_after is not None:
            headers["Retry-After"] = str(max(1, int(retry_after + 0.999)))
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body("payload_too_large", _("The request body is too large.")), status=413)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        return Response(error_body("bad_request", _("The request could not be understood.")), status=400)
    if not isinstance(exc, exceptions.APIException):
        return None  # a real server error: let Django log it and answer 500

    set_rollback()
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))

    code = next((value for cls, value in _CODES.items() if isinstance(exc, cls)), None)
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("validation_error", _("Some fields are invalid."), _validation_details(exc.detail))
    elif isinstance(exc, exceptions.ParseError):
        body = error_body("parse_error", _("The request body could not be parsed."), {"reason": str(exc.detail)})
    else:
        detail = exc.detail
        if isinstance(detail, dict) and "code" in detail and "message" in detail:
            body = error_body(str(detail["code"]), detail["message"], detail.get("details"))
        else:
            message = detail if not isinstance(detail, list | dict) else exc.default_detail
            body = error_body(code or getattr(detail, "code", None) or "error", message)
    if isinstance(exc, exceptions.Throttled):
        body["error"]["details"] = {"retry_after": int(headers.get("Retry-After", "1"))}
    return Response(body, status=exc.status_code, headers=headers)


def json_error_response(code: str, message: Any, status_code: int, details: dict | None = None) -> JsonResponse:
    """The same envelope from plain Django views and middleware."""
    return JsonResponse(error_body(code, message, details), status=status_code)


@csrf_exempt  # it changes nothing: any method on an unknown /api/ path answers the envelope's 404
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    return json_error_response("not_found", _("Not found."), status.HTTP_404_NOT_FOUND)
