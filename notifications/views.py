"""Notification pages: the center (a member's own notifications), the
preferences (e-mail per kind for the member, Slack per kind for admins) and the
public one-click unsubscribe page reached from e-mails."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from nexusone.pages import WorkspacePageMixin
from notifications import selectors, services
from notifications.kinds import KINDS, get_kind
from notifications.models import Notification

PAGE_SIZE = 30


class NotificationCenterPage(WorkspacePageMixin, TemplateView):
    template_name = "notifications/center.html"
    permission = "notifications.view"
    form_permissions = {"": "notifications.read"}  # marking one's own notifications read

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unread_only = self.request.GET.get("unread") == "1"
        paginator = Paginator(selectors.notification_list(user=self.request.user, unread_only=unread_only), PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        language = get_language()
        for notification in page.object_list:
            notification.localized_link = services.localized_link(notification.link, language)
        context.update(page=page, unread_only=unread_only, unread=selectors.unread_count(user=self.request.user))
        return context

    def post(self, request, *args, **kwargs):
        if "all" in request.POST:
            services.notifications_mark_all_read(workspace=self.workspace, user=request.user)
        else:
            notification = Notification.objects.filter(recipient=request.user, pk=_int(request.POST.get("id"))).first()
            if notification is None:
                raise Http404
            services.notification_mark_read(notification=notification)
            target = services.localized_link(notification.link, get_language())
            if "open" in request.POST and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
                return HttpResponseRedirect(target)
        return HttpResponseRedirect(request.get_full_path())


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class PreferencesPage(WorkspacePageMixin, TemplateView):
    template_name = "notifications/preferences.html"
    permission = "notifications.view"
    # One's own e-mail choices; the Slack choices in the same form need `notifications.preferences.slack`.
    form_permissions = {"": "notifications.preferences.email"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preferences"] = selectors.preferences(user=self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        can_admin = self.may("notifications.preferences.slack")
        for key in KINDS:
            services.email_preference_set(user=request.user, kind=key, enabled=f"email:{key}" in request.POST)
            if can_admin:
                enabled = f"slack:{key}" in request.POST
                services.slack_preference_set(workspace=self.workspace, kind=key, enabled=enabled)
        messages.success(request, _("Notification preferences saved."))
        return HttpResponseRedirect(reverse("notifications_preferences", kwargs={"slug": self.workspace.slug}))


# RFC 8058: mail clients POST without a CSRF token; the signed token in the URL is the authorisation.
@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribePage(View):
    def get(self, request, token: str):
        parsed = services.unsubscribe_read(token)
        return self._render(request, parsed, done=False, status=200 if parsed else 400)

    def post(self, request, token: str):
        parsed = services.unsubscribe_apply(token)
        return self._render(request, parsed, done=parsed is not None, status=200 if parsed else 400)

    def _render(self, request, parsed, *, done: bool, status: int):
        kind = get_kind(parsed[1]) if parsed else None
        return render(
            request, "notifications/unsubscribe.html", {"kind": kind, "done": done, "valid": bool(parsed)},
            status=status,
        )  # fmt: skip
