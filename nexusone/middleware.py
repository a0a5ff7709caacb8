"""Request-level platform middleware."""

from __future__ import annotations

import os
import threading
import zoneinfo

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.string_utils import ensure_leading_trailing_slash


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


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, whose index of the collected static files (a `stat` and the headers of each of
    ~1,000 files: 0.06 s) is built by the first request under STATIC_URL instead of when the worker
    boots (issue 19, "Cold start"): the same index, built once, so the same answers — a worker
    behind a CDN, which serves no static file, never builds it. In development (`autorefresh`)
    WhiteNoise only records the folders and looks each file up per request, as before."""

    def __init__(self, get_response=None, settings=settings):
        self._pending: list[tuple[str, str | None]] | None = []  # add_files() calls, in order
        self._pending_prefixes: tuple[str, ...] = ()
        self._index_lock = threading.Lock()
        super().__init__(get_response, settings)

    def add_files(self, root, prefix=None):
        if self.autorefresh or self._pending is None or not os.path.isdir(root):
            super().add_files(root, prefix)  # a missing folder: WhiteNoise's warning, at boot as before
            return
        self._pending.append((root, prefix))
        self._pending_prefixes += (ensure_leading_trailing_slash(prefix),)

    def add_files_from_finders(self):
        self._build_index()  # the finders' files are added after STATIC_ROOT's, as in WhiteNoise
        super().add_files_from_finders()

    def _build_index(self) -> None:
        with self._index_lock:
            if self._pending is None:  # another thread built it while this one waited
                return
            for root, prefix in self._pending:
                super().add_files(root, prefix)
            self._pending = None  # only now: until then other threads wait on the lock

    def __call__(self, request):
        if self._pending is not None and request.path_info.startswith(self._pending_prefixes):
            self._build_index()
        return super().__call__(request)


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
