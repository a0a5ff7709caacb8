"""Request-level platform middleware."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


class RequestBodyLimitMiddleware:
    """Refuse oversized bodies before anything reads them: 413, in the API's
    envelope under /api/. Multipart uploads may be larger than JSON/forms."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = (
            settings.MAX_REQUEST_BODY_BYTES
            if content_type.startswith("multipart/")
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if length > limit:
            message = _("The request body is too large (limit: %(limit)d bytes).") % {"limit": limit}
            if is_api_path(request.path):
                from nexusone.api.exceptions import json_error_response  # DRF: not at boot (issue 19)

                response = json_error_response("payload_too_large", message, 413, {"limit": limit})
            else:
                response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
            # No `Connection` header: hop-by-hop headers are the server's
            # business (PEP 3333 forbids them from the application).
            return response
        return self.get_response(request)


class UserPreferencesMiddleware:
    """API errors follow Accept-Language; signed-in users see their timezone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path) and request.headers.get("Accept-Language"):
            language = translation.get_language_from_request(request, check_path=False)
            header_language = self._from_header(request.headers["Accept-Language"])
            # override, not activate: the thread goes back to its language after
            # the response, so the header never leaks into the next request.
            with translation.override(header_language or language):
                request.LANGUAGE_CODE = translation.get_language()
                return self._respond(request)
        return self._respond(request)

    def _respond(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "timezone", None):
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except zoneinfo.ZoneInfoNotFoundError:
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)

    @staticmethod
    def _from_header(header: str) -> str | None:
        from django.utils.translation.trans_real import parse_accept_lang_header

        for code, _q in parse_accept_lang_header(header):
            base = code.split("-")[0].lower()
            if base in settings.LANGUAGE_CODES:
                return base
        return None
