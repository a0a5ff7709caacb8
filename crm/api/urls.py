"""/api/v1/crm/… — ids are numeric, a trailing slash is optional."""

from rest_framework.routers import SimpleRouter

from crm.api import views

router = SimpleRouter()
router.trailing_slash = "/?"  # /crm/contacts/import and /crm/contacts/import/ alike
router.register("crm/contacts", views.ContactViewSet, basename="crm-contact")
router.register(r"crm/contacts/(?P<contact_pk>[0-9]+)/activities", views.ActivityViewSet, basename="crm-activity")
router.register("crm/segments", views.SegmentViewSet, basename="crm-segment")
router.register("crm/custom-fields", views.CustomFieldViewSet, basename="crm-custom-field")
router.register("crm/imports", views.ImportViewSet, basename="crm-import")

urlpatterns = router.urls
