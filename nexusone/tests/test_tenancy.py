"""T27 — tenant scoping by construction."""

from __future__ import annotations

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from accounts.models import ApiKey, Invitation
from accounts.tests.factories import make_api_key
from nexusone.api.viewsets import ScopedViewSet, WorkspaceScopedMixin
from nexusone.tenancy import WorkspaceScopedManager, WorkspaceScopeMissing, workspace_scope
from nexusone.tests.routewalk import PUBLIC_API_ROUTES, _walk, workspace_owned_models

pytestmark = pytest.mark.django_db


def test_every_workspace_owned_model_has_a_scoped_default_manager():
    models = workspace_owned_models()
    assert ApiKey in models and Invitation in models
    for model in models:
        assert isinstance(model._default_manager, WorkspaceScopedManager), model
        assert model._base_manager.__class__.__name__ == "Manager", model  # cascades see every row
        assert hasattr(model, "unscoped"), model


# Rows that belong to a person as much as to a workspace, read by user.
# Rows that are about the tenant boundary itself, not inside it: memberships, and
# a workspace's deletion record (read by the purge job across workspaces; after
# the purge it points at no workspace and stays as the accounting trace).
USER_LEVEL_MODELS = {"accounts.Membership", "privacy.WorkspaceDeletion"}


def test_every_model_with_a_workspace_foreign_key_fails_closed():
    """Not only WorkspaceOwned models: the audit log and the WhatsApp inbound
    outbox point at a workspace too (nullable), and read nothing unscoped."""
    from django.apps import apps

    from accounts.models import Workspace

    for model in apps.get_models():
        points_at_a_workspace = any(
            field.many_to_one and field.related_model is Workspace for field in model._meta.get_fields()
        )
        if points_at_a_workspace and model._meta.label not in USER_LEVEL_MODELS:
            assert isinstance(model._default_manager, WorkspaceScopedManager), model._meta.label
            assert model._base_manager.__class__.__name__ == "Manager", model._meta.label


def test_audit_entries_and_webhook_events_need_a_scope(world):
    from nexusone.audit import AuditEntry, audit_record
    from whatsapp.models import WebhookEvent

    audit_record(action="accounts.workspace.suspended", workspace=world["A"].workspace)
    WebhookEvent.unscoped.create(key="k1", kind="message", workspace=world["B"].workspace, payload={})
    for model in (AuditEntry, WebhookEvent):
        with pytest.raises(WorkspaceScopeMissing):
            list(model.objects.all())
    with workspace_scope(world["A"].workspace):
        assert AuditEntry.objects.count() == 1 and not WebhookEvent.objects.exists()


def test_querying_without_a_scope_raises_instead_of_leaking(world):
    make_api_key(world["A"].workspace)
    for evaluate in (
        list,
        lambda qs: qs.count(),
        lambda qs: qs.exists(),
        lambda qs: qs.first(),
        lambda qs: qs.update(name="x"),
        lambda qs: qs.delete(),
        lambda qs: list(qs.values_list("pk")),
    ):
        with pytest.raises(WorkspaceScopeMissing):
            evaluate(ApiKey.objects.filter(name__isnull=False))
    # used as a subquery without a scope it matches nothing rather than everything
    from accounts.models import Workspace

    assert not Workspace.objects.filter(pk__in=ApiKey.objects.values("workspace_id")).exists()


def test_the_scope_filters_to_the_active_workspace(world):
    a, b = world["A"].workspace, world["B"].workspace
    key_a, key_b = make_api_key(a), make_api_key(b)
    with workspace_scope(a):
        assert list(ApiKey.objects.values_list("pk", flat=True)) == [key_a.pk]
        assert not ApiKey.objects.filter(pk=key_b.pk).exists()
    with workspace_scope(b):
        assert list(ApiKey.objects.values_list("pk", flat=True)) == [key_b.pk]


def test_new_rows_take_the_workspace_from_the_scope_not_from_input(world):
    a = world["A"].workspace
    with workspace_scope(a):
        invitation = Invitation.objects.create(email="x@example.test", token_hash="h" * 64)
    assert invitation.workspace_id == a.pk
    with pytest.raises(WorkspaceScopeMissing):
        Invitation(email="y@example.test", token_hash="g" * 64).save()


def test_every_api_view_is_scoped_or_explicitly_user_level():
    user_level = {"MeView", "InvitationAcceptView"} | set()
    for regex, pattern in _walk(get_resolver().url_patterns):
        if not regex.startswith("api/v1/") or pattern.name in PUBLIC_API_ROUTES:
            continue
        view = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
        if view is None:
            continue
        name = view.__name__
        if name in user_level:
            continue
        assert issubclass(view, WorkspaceScopedMixin), f"{name} ({regex}) must inherit the scoped API base"
        if issubclass(view, ScopedViewSet):
            assert view.model is not None, name
            assert "get_queryset" not in view.__dict__, f"{name} overrides get_queryset; use safely_get_queryset"


def test_session_authenticated_writes_need_a_csrf_token(world, settings):
    settings.BILLING_FREE_WORKSPACES_PER_PERSON = 5  # the owner already owns two
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world["A"].users["owner"])
    response = client.post("/api/v1/workspaces/", {"name": "Sneaky"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    # reads are fine, and with the token the write goes through
    assert client.get("/api/v1/me").status_code == 200
    client.get("/en/profile/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/api/v1/workspaces/", {"name": "Fine"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
