"""The Integrations page of workspace settings, and the OAuth callback the
providers send the browser back to (`/integrations/callback/<provider>/`, no
language prefix: one stable redirect URI)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from integrations import oauth, selectors, services
from integrations.registry import OAUTH_PROVIDERS, PROVIDERS
from nexusone.errors import ApplicationError
from nexusone.pages import WorkspacePageMixin

MANAGE = "integrations.manage"


class IntegrationsView(WorkspacePageMixin, TemplateView):
    template_name = "integrations/settings_integrations.html"
    permission = "integrations.view"
    form_permissions = {
        "connect": "integrations.oauth.connect",
        "key": MANAGE,
        "check": MANAGE,
        "disconnect": MANAGE,
        "settings": MANAGE,
        "slack": MANAGE,
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = [card_for(state) for state in selectors.provider_states()]
        context["can_manage"] = self.may(MANAGE)
        return context

    def post(self, request, slug):
        action = request.POST.get("action", "")
        provider = request.POST.get("provider", "")
        if provider not in PROVIDERS:
            raise Http404()
        try:
            if action == "connect":
                url = oauth.connect_start(
                    workspace=self.workspace,
                    user=request.user,
                    provider=provider,
                    shop=request.POST.get("shop", ""),
                    request=request,
                )
                request.session[RETURN_LANGUAGE] = translation.get_language()
                return HttpResponseRedirect(url)
            self._apply(action, provider, request)
        except ApplicationError as exc:
            messages.error(request, _message(exc))
        return redirect("workspace_integrations", slug=slug)

    def _apply(self, action: str, provider: str, request) -> None:
        label = PROVIDERS[provider].label
        if action == "key":
            services.connection_put_api_key(
                workspace=self.workspace,
                provider=provider,
                api_key=request.POST.get("api_key", ""),
                user=request.user,
                request=request,
            )
            messages.success(request, _("%(provider)s is connected.") % {"provider": label})
        elif action == "slack":
            services.connection_put_slack(
                workspace=self.workspace,
                webhook_url=request.POST.get("webhook_url", ""),
                user=request.user,
                request=request,
            )
            messages.success(request, _("Slack is connected: a test message was posted to the channel."))
        elif action == "check":
            connection = services.connection_check(
                connection=selectors.connection_get(provider), user=request.user, request=request
            )
            if connection.status == "connected" and not connection.last_error:
                messages.success(request, _("%(provider)s works.") % {"provider": label})
            else:
                messages.error(
                    request, _("%(provider)s: %(error)s") % {"provider": label, "error": connection.last_error}
                )
        elif action == "disconnect":
            services.connection_disconnect(
                connection=selectors.connection_get(provider), user=request.user, request=request
            )
            messages.success(request, _("%(provider)s is disconnected.") % {"provider": label})
        elif action == "settings":
            choices = services.SETTING_CHOICES.get(provider, {})
            services.connection_update_settings(
                connection=selectors.connection_get(provider),
                settings={key: request.POST.get(key) for key in choices if key in request.POST},
                user=request.user,
                request=request,
            )
            messages.success(request, _("Saved."))
        else:
            raise Http404()


def _message(exc: ApplicationError) -> str:
    reason = (exc.details or {}).get("reason") if isinstance(exc.details, dict) else None
    fields = (
        [str(v[0]) for v in (exc.details or {}).values() if isinstance(v, list) and v]
        if isinstance(exc.details, dict)
        else []
    )
    text = str(exc.message)
    if reason:
        text = f"{text} ({reason})"
    elif fields:
        text = f"{text} {' '.join(fields)}"
    return text


def card_for(state) -> dict:
    """What one provider's card shows: never a secret, at most its last 4 characters."""
    connection = state.connection
    pickers = []
    for key, (asset_list, id_field) in services.SETTING_CHOICES.get(state.provider, {}).items():
        items = (connection.assets or {}).get(asset_list) or [] if connection else []
        options = []
        for item in items:
            if id_field is None:
                options.append((str(item), str(item)))
            elif isinstance(item, dict):
                value = str(item.get(id_field))
                name = item.get("name") or item.get("username") or value
                extra = item.get("currency")
                options.append((value, f"{name} · {extra}" if extra else str(name)))
        if options:
            pickers.append({"key": key, "options": options, "value": (connection.settings or {}).get(key, "")})
    return {
        "state": state,
        "spec": state.spec,
        "connection": connection,
        "pickers": pickers,
        "is_oauth": state.provider in OAUTH_PROVIDERS,
    }


RETURN_LANGUAGE = "integrations_return_language"


def _browsing_language(request) -> str:
    """The callback URL has no language prefix: come back in the language the user
    was browsing in when they clicked Connect (kept in the session), else the
    language switcher's cookie, else their profile's."""
    from django.conf import settings

    chosen = request.session.pop(RETURN_LANGUAGE, "") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen and translation.check_for_language(chosen) and chosen in dict(settings.LANGUAGES):
        return chosen
    return request.user.preferred_language or translation.get_language() or settings.LANGUAGE_CODE


@never_cache
def oauth_callback(request, provider: str):
    """Where Meta, Shopify and TikTok send the browser back. Success: the
    Integrations page with the account connected; failure: a page saying why
    (nothing was stored)."""
    if provider not in OAUTH_PROVIDERS:
        raise Http404()
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    language = _browsing_language(request)
    with translation.override(language):
        outcome = oauth.connect_finish(provider=provider, query=request.GET, user=request.user, request=request)
        label = PROVIDERS[provider].label
        if isinstance(outcome, oauth.OAuthSuccess):
            messages.success(request, _("%(provider)s is connected.") % {"provider": label})
            return HttpResponseRedirect(reverse("workspace_integrations", kwargs={"slug": outcome.workspace.slug}))
        back = (
            reverse("workspace_integrations", kwargs={"slug": outcome.workspace.slug})
            if outcome.workspace is not None
            else reverse("dashboard")
        )
        context = {"provider": label, "failure": outcome, "back": back}
        response = render(request, "integrations/callback_failed.html", context, status=400)
    return response
