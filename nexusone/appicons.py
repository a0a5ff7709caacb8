"""The site icon at the addresses browsers ask for without a link
(`/favicon.ico`, `/apple-touch-icon.png`) and the web app manifest."""

from __future__ import annotations

from django.http import HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponseRedirect(static("img/favicon.ico"))


@require_GET
@cache_control(max_age=86400, public=True)
def apple_touch_icon(request):
    return HttpResponseRedirect(static("img/apple-touch-icon.png"))


@require_GET
@cache_control(max_age=3600, public=True)
def webmanifest(request):
    manifest = {
        "name": "NexusOne",
        "short_name": "NexusOne",
        "description": _("Marketing, content and customers in one place."),
        "start_url": "/",
        "display": "standalone",
        "background_color": "#f6f7fb",
        "theme_color": "#4f46e5",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json")
