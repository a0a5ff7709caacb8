"""/api/v1/stores/, products/ (and products/imports/), orders/ — numeric ids, trailing slash optional."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from commerce.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("stores", views.StoreViewSet, basename="commerce-store")
router.register("products/imports", views.ProductImportViewSet, basename="commerce-import")
router.register("products", views.ProductViewSet, basename="commerce-product")
router.register("orders", views.OrderViewSet, basename="commerce-order")
router.register("inventory/alerts", views.InventoryAlertViewSet, basename="commerce-inventory-alert")
router.register("commerce/commission-rules", views.CommissionRuleViewSet, basename="commerce-commission-rule")

urlpatterns = [
    re_path(
        r"^inventory/reorder-recommendations/?$", views.ReorderRecommendationsView.as_view(), name="commerce-reorder"
    ),
    re_path(r"^commerce/sales/?$", views.SalesView.as_view(), name="commerce-sales"),
    re_path(r"^commerce/pricing-rule/?$", views.PricingRuleView.as_view(), name="commerce-pricing-rule"),
    re_path(r"^commerce/commissions/?$", views.CommissionsView.as_view(), name="commerce-commissions"),
    # crm/segments/{id} takes numeric ids only, so this path is free; the logic lives in commerce.segments
    re_path(r"^crm/segments/predict/?$", views.SegmentPredictView.as_view(), name="commerce-segments-predict"),
    *router.urls,
]
