"""/api/v1/ai-agents/… — ids are numeric."""

from rest_framework.routers import SimpleRouter

from agents.api import views

router = SimpleRouter()
router.trailing_slash = "/?"  # /ai-agents/1/evaluate and /ai-agents/1/evaluate/ alike
router.register("ai-agents/conversations", views.AllConversationsViewSet, basename="ai-agent-all-conversation")
router.register("ai-agents", views.AgentViewSet, basename="ai-agent")
router.register(r"ai-agents/(?P<agent_pk>[0-9]+)/knowledge", views.KnowledgeViewSet, basename="ai-agent-knowledge")
router.register(
    r"ai-agents/(?P<agent_pk>[0-9]+)/conversations", views.ConversationViewSet, basename="ai-agent-conversation"
)

urlpatterns = router.urls
