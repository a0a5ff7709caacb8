"""/api/v1/stores/, products/ (and products/imports/), orders/ — numeric ids, trailing slash optional."""

from django.urls import path
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
    path("inventory/reorder-recommendations", views.ReorderRecommendationsView.as_view(), name="commerce-reorder"),
    path("commerce/sales", views.SalesView.as_view(), name="commerce-sales"),
    path("commerce/commissions", views.CommissionsView.as_view(), name="commerce-commissions"),
    *router.urls,
]
