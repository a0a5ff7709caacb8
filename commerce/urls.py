"""Commerce pages, mounted at /<lang>/w/<slug>/commerce/ (see nexusone/urls.py)."""

from django.urls import path

from commerce import views

urlpatterns = [
    path("", views.StoresView.as_view(), name="commerce_stores"),
    path("products/", views.ProductsView.as_view(), name="commerce_products"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="commerce_product"),
    path("orders/", views.OrdersView.as_view(), name="commerce_orders"),
    path("inventory/", views.InventoryView.as_view(), name="commerce_inventory"),
    path("sales/", views.SalesView.as_view(), name="commerce_sales"),
]
