"""The webhook endpoints page: endpoints, their deliveries, redeliver, test, rotate."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from billing.quotas import FEATURE_WEBHOOKS
from billing.selectors import plan_includes
from nexusone.errors import ApplicationError
from nexusone.pages import WorkspacePageMixin
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint


class WebhooksPage(WorkspacePageMixin, TemplateView):
    template_name = "webhooks/endpoints.html"
    permission = "webhooks.view"
    form_permissions = {name: "webhooks.manage" for name in ("create", "toggle", "rotate", "test", "delete",
                                                               "redeliver")}  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        endpoints = list(WebhookEndpoint.objects.order_by("created_at", "id"))
        selected = next((e for e in endpoints if str(e.pk) == self.request.GET.get("endpoint")), None)
        selected = selected or (endpoints[0] if endpoints else None)
        deliveries = []
        if selected is not None:
            deliveries = list(
                WebhookDelivery.objects.filter(endpoint=selected).select_related("event").order_by("-id")[:50]
            )
        context.update(
            endpoints=endpoints,
            selected=selected,
            deliveries=deliveries,
            event_types=sorted(services.EVENT_TYPES.items()),
            may_manage=self.may("webhooks.manage"),
            # SPEC: webhooks need pro or premium; otherwise the page offers the upgrade.
            plan_allows_webhooks=plan_includes(workspace=self.workspace, feature=FEATURE_WEBHOOKS),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        role = self.membership.role
        here = reverse("webhooks", kwargs={"slug": self.workspace.slug})
        endpoint = WebhookEndpoint.objects.filter(pk=_int(request.POST.get("endpoint"))).first()
        try:
            if action == "create":
                created = services.endpoint_create(
                    workspace=self.workspace, user=request.user, role=role, request=request,
                    data={"url": request.POST.get("url", ""), "events": request.POST.getlist("events"),
                          "description": request.POST.get("description", "")},
                )  # fmt: skip
                messages.success(request, _("Endpoint added. Its signing secret, shown only now: %(secret)s")
                                 % {"secret": created.secret})  # fmt: skip
                return HttpResponseRedirect(f"{here}?endpoint={created.pk}")
            if endpoint is None:
                messages.error(request, _("Endpoint not found."))
                return HttpResponseRedirect(here)
            if action == "toggle":
                services.endpoint_update(endpoint=endpoint, user=request.user, role=role,
                                         data={"enabled": not endpoint.enabled}, request=request)  # fmt: skip
            elif action == "rotate":
                services.endpoint_rotate(endpoint=endpoint, user=request.user, role=role, request=request)
                messages.success(request, _("New signing secret, shown only now (the old one works for 24 hours): "
                                            "%(secret)s") % {"secret": endpoint.secret})  # fmt: skip
            elif action == "test":
                delivery = services.send_test(endpoint=endpoint, role=role)
                messages.info(request, _("Test event: %(status)s") % {"status": delivery.get_status_display()})
            elif action == "delete":
                services.endpoint_delete(endpoint=endpoint, user=request.user, role=role, request=request)
                return HttpResponseRedirect(here)
            elif action == "redeliver":
                delivery = WebhookDelivery.objects.filter(endpoint=endpoint, pk=_int(request.POST.get("delivery")))
                if delivery.first() is not None:
                    result = services.redeliver(delivery=delivery.first(), role=role, user=request.user)
                    messages.info(request, _("Redelivered: %(status)s") % {"status": result.get_status_display()})
        except ApplicationError as exc:
            details = " ".join(str(m) for v in exc.details.values() for m in (v if isinstance(v, list) else []))
            messages.error(request, f"{exc.message} {details}".strip())
        return HttpResponseRedirect(f"{here}?endpoint={endpoint.pk}" if endpoint else here)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
