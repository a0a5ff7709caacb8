"""Human labels of the commerce audit actions (shown to workspace owners)."""

from django.utils.translation import gettext_lazy as _

from nexusone.audit import register_action_labels

register_action_labels(
    {
        "commerce.product.created": _("Product created"),
        "commerce.product.updated": _("Product changed"),
        "commerce.product.deleted": _("Product deleted"),
        "commerce.product.pushed": _("Product written to the store"),
        "commerce.import.started": _("Product import started"),
        "commerce.import.finished": _("Product import finished"),
        "commerce.store.connected": _("Store connected"),
        "commerce.store.disconnected": _("Store disconnected"),
        "commerce.store.sync_requested": _("Store sync started"),
        "commerce.order.fulfilled": _("Order sent to the supplier"),
        "commerce.pricing_rule.set": _("Pricing rule changed"),
        "commerce.compliance.data_request": _("Shop customer data gathered"),
        "commerce.compliance.customer_redacted": _("Shop customer erased"),
        "commerce.compliance.shop_redacted": _("Shop data deleted"),
    }
)
