from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from django.urls.resolvers import RoutePattern, URLResolver
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from billing.webhooks import stripe_webhook
from campaigns.graph_webhooks import facebook_webhook
from commerce.webhooks import shopify_webhook
from content.video.webhooks import did_webhook
from emails.webhooks import tracking_webhook
from integrations.views import oauth_callback
from nexusone import appicons, health, pages
from nexusone.api.exceptions import api_not_found
from sms.webhooks import twilio_inbound, twilio_status
from whatsapp.webhooks import whatsapp_webhook


class LazyURLResolver(URLResolver):
    """A namespaced include whose URLconf (a dotted path) is imported when it is used — a request
    under its prefix, a `reverse()` in its namespace, the URL checks — and not when another URL is
    reversed: Django's resolver populates every sub-resolver then, a namespaced one included,
    although it only records its namespace. Used for the admin (nexusone/admin_urls.py)."""

    def _populate(self):
        if "urlconf_module" in self.__dict__:  # imported (a cached_property)
            super()._populate()

    def _reverse_with_prefix(self, lookup_view, _prefix, *args, **kwargs):
        self.urlconf_module  # noqa: B018  (imports it; `_populate` then fills the reverse lookups)
        return super()._reverse_with_prefix(lookup_view, _prefix, *args, **kwargs)


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", appicons.favicon, name="favicon"),
    path("apple-touch-icon.png", appicons.apple_touch_icon, name="apple-touch-icon"),
    path("site.webmanifest", appicons.webmanifest, name="webmanifest"),
    path("api/v1/", include("nexusone.api.urls")),
    # Public by design (reviewed): the schema documents the surface, not data.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
    re_path(r"^api/.*$", api_not_found),
    path("webhooks/stripe/", stripe_webhook, name="stripe-webhook"),
    path("webhooks/whatsapp/", whatsapp_webhook, name="whatsapp-webhook"),  # public: signed by Meta
    path("webhooks/shopify/", shopify_webhook, name="shopify-webhook"),  # public: signed by Shopify (HMAC)
    path("webhooks/facebook/", facebook_webhook, name="facebook-webhook"),  # public: signed by Meta
    # public: D-ID does not sign; an unguessable per-job token, and the talk is re-read (content/video/webhooks.py)
    path("webhooks/d-id/<str:token>", did_webhook, name="did-webhook"),
    # public: signed by the sending service (anymail), only the configured provider answers
    path("webhooks/email/<slug:provider>/tracking/", tracking_webhook, name="email-tracking-webhook"),
    path("webhooks/twilio/", twilio_inbound, name="twilio-inbound-webhook"),  # public: signed by Twilio
    path("webhooks/twilio/status/", twilio_status, name="twilio-status-webhook"),  # public: signed by Twilio
    # OAuth redirect URI (no language prefix): signed-in users only, the state decides the rest (integrations/oauth.py)
    path("integrations/callback/<slug:provider>/", oauth_callback, name="integrations-callback"),
    path("e/", include("emails.public_urls")),  # public: open pixel, tracked links, unsubscribe (signed tokens)
    path("p/", include("content.public_urls")),  # public landing pages (reviewed: content/public_views.py)
    path("a/", include("agents.public_urls")),  # public chat widget (reviewed: agents/public_views.py)
    path("", include("medialib.file_urls")),  # bucket files: public buckets, or signed links (medialib/serving.py)
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # The admin: its URLconf (and every app's admin.py) is imported by the first request under
    # ADMIN_URL or the first reverse("admin:…"), not with this module (nexusone/admin_urls.py).
    LazyURLResolver(RoutePattern(settings.ADMIN_URL), "nexusone.admin_urls", app_name="admin", namespace="admin"),
]

urlpatterns += i18n_patterns(
    path("", pages.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("content.urls")),
    path("", include("medialib.urls")),
    path("", include("billing.urls")),
    path("", include("whatsapp.urls")),
    path("", include("agents.urls")),
    path("w/<slug:slug>/crm/", include("crm.urls")),
    path("w/<slug:slug>/email/", include("emails.urls")),
    path("w/<slug:slug>/sms/", include("sms.urls")),
    path("w/<slug:slug>/journeys/", include("journeys.urls")),
    path("w/<slug:slug>/commerce/", include("commerce.urls")),
    path("w/<slug:slug>/campaigns/", include("campaigns.urls")),
    path("", include("notifications.urls")),
    path("", include("analytics.urls")),
    path("", include("integrations.urls")),
    path("", include("privacy.urls")),
    path("", include("webhooks.urls")),
    prefix_default_language=True,
)

handler404 = "nexusone.pages.page_not_found"
handler500 = "nexusone.pages.server_error"
