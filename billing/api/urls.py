from django.urls import re_path

from billing.api import views

urlpatterns = [
    re_path(r"^billing/plans/?$", views.PlansView.as_view(), name="billing-plans"),
    re_path(r"^billing/credits/?$", views.CreditsView.as_view(), name="billing-credits"),
    re_path(r"^billing/checkout/?$", views.CheckoutView.as_view(), name="billing-checkout"),
    re_path(r"^billing/topup/?$", views.TopupView.as_view(), name="billing-topup"),
    re_path(r"^billing/portal/?$", views.PortalView.as_view(), name="billing-portal"),
]
