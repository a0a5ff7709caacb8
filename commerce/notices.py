"""Commerce's notification kinds (registered from the AppConfig)."""

from django.utils.translation import gettext_lazy as _


def register_kinds() -> None:
    from notifications.kinds import CONTRIBUTORS, MANAGERS, Kind, register_kind

    register_kind(
        Kind(
            "commerce_low_stock",
            _("Low stock"),
            _("Low stock: %(product)s"),
            _("%(sku)s has %(stock)s left (alert at %(threshold)s)."),
            roles=CONTRIBUTORS,
            level="warning",
        )
    )
    register_kind(
        Kind(
            "commerce_data_request",
            _("Shop customer data request"),
            _("%(shop)s asked for a customer's data"),
            _("The customer's data (%(orders)s orders) is ready in the media library for the merchant."),
            roles=MANAGERS,
            level="warning",
        )
    )
