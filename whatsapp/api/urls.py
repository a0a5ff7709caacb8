from rest_framework.routers import SimpleRouter

from whatsapp.api import views

router = SimpleRouter()
router.register("whatsapp/accounts", views.AccountsViewSet, basename="whatsapp-account")
router.register("whatsapp/templates", views.TemplatesViewSet, basename="whatsapp-template")
router.register("whatsapp/broadcasts", views.BroadcastsViewSet, basename="whatsapp-broadcast")
router.register("whatsapp/conversations", views.ConversationsViewSet, basename="whatsapp-conversation")
router.register("whatsapp/bot-rules", views.BotRulesViewSet, basename="whatsapp-bot-rule")
router.register("whatsapp/opt-outs", views.OptOutsViewSet, basename="whatsapp-opt-out")

urlpatterns = router.urls
