from django.contrib import admin

from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "workspace", "enabled", "failing_since", "disabled_at", "created_at")
    list_filter = ("enabled",)
    exclude = ("secret", "previous_secret")
    readonly_fields = ("workspace", "failing_since", "disabled_at", "disabled_reason", "created_by")

    def get_queryset(self, request):
        return WebhookEndpoint.unscoped.all()


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "endpoint", "event", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def get_queryset(self, request):
        return WebhookDelivery.unscoped.select_related("endpoint", "event")

    def has_add_permission(self, request):
        return False
