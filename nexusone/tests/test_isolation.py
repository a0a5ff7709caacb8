"""The route walk: every API route, without per-endpoint code.

T01 — anonymous callers get 401 on every non-public route and method.
T02 — members of workspace B calling with A's ids get 404, identical to a
      missing id (no existence oracle), and no row of A changes.
T03 — B's lists, searches and filters never contain A's sentinel strings.
T07 (part) — a viewer is refused (403) on every writing route.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from accounts.models import Membership, Workspace
from nexusone.tests.routewalk import (
    PUBLIC_API_ROUTES,
    UNSAFE,
    VIEWER_WRITABLE,
    api_routes,
    instance_for,
    url_values,
    workspace_owned_models,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unthrottled")]

MISSING_ID = 987654321
ROUTES = api_routes()


def _call(client: APIClient, method: str, url: str, **extra):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, data={}, format="json", **extra)
    return getattr(client, method)(url, **extra)


def _prepare(world) -> None:
    """Make sure A owns a row for every model a route refers to."""
    for route in ROUTES:
        if route.model is not None:
            instance_for(route.model, world["A"])


def _snapshot(workspace: Workspace) -> str:
    digest = hashlib.sha256()
    models = [*workspace_owned_models(), Membership]
    for model in sorted(models, key=lambda m: m._meta.label):
        rows = list(model._base_manager.filter(workspace=workspace).order_by("pk").values())
        digest.update(json.dumps(rows, default=str, sort_keys=True).encode())
    digest.update(json.dumps(list(Workspace.objects.filter(pk=workspace.pk).values()), default=str).encode())
    return digest.hexdigest()


def test_the_walk_sees_the_api():
    names = {route.name for route in ROUTES}
    assert {"me", "auth-login", "workspace-list", "workspace-detail", "api-key-list"} <= names
    assert len(ROUTES) >= 10


def test_anonymous_gets_401_on_every_non_public_route(world):
    _prepare(world)
    anonymous = APIClient()
    checked = 0
    for route in ROUTES:
        if route.name in PUBLIC_API_ROUTES:
            continue
        url = route.url(url_values(route, world["A"]))
        for method in route.methods:
            response = _call(anonymous, method, url)
            assert response.status_code == 401, (route.name, method, response.status_code)
            assert response.json()["error"]["code"] == "not_authenticated"
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_other_workspace_members_get_404_for_a_rows_and_change_nothing(world, role):
    _prepare(world)
    a, b = world["A"], world["B"]
    before = _snapshot(a.workspace)
    intruder = b.client(role)
    checked = 0
    for route in ROUTES:
        if not route.params:
            continue
        values = url_values(route, a)
        missing = {key: MISSING_ID for key in values}
        for method in route.methods:
            response = _call(intruder, method, route.url(values))
            control = _call(intruder, method, route.url(missing))
            assert response.status_code == 404, (route.name, method, response.status_code, response.content[:200])
            # same status and body as a row that does not exist: no existence oracle
            assert (response.status_code, response.json()) == (control.status_code, control.json()), route.name
            checked += 1
    assert checked >= 10
    assert _snapshot(a.workspace) == before


def test_pointing_x_workspace_at_another_workspace_is_404_everywhere(world):
    _prepare(world)
    a, b = world["A"], world["B"]
    intruder = APIClient()
    intruder.force_authenticate(b.users["owner"])
    for header in (str(a.workspace.pk), a.workspace.slug):
        for route in ROUTES:
            if route.name in PUBLIC_API_ROUTES or route.params:
                continue
            if route.name in ("invitation-accept-api",):
                continue  # user-level: takes no workspace
            for method in route.methods:
                response = _call(intruder, method, route.url({}), HTTP_X_WORKSPACE=header)
                assert response.status_code == 404, (route.name, method, header, response.status_code)


def _sentinels(world) -> list[str]:
    a = world["A"]
    values = [a.workspace.name, a.workspace.slug, *(user.email for user in a.users.values())]
    for model in workspace_owned_models():
        for row in model._base_manager.filter(workspace=a.workspace):
            for field in row._meta.concrete_fields:
                value = getattr(row, field.attname)
                if isinstance(value, str) and len(value) >= 8 and field.name not in ("role", "status"):
                    values.append(value)
    return values


def test_lists_searches_and_filters_never_show_another_workspace(world):
    _prepare(world)
    a, b = world["A"], world["B"]
    sentinels = _sentinels(world)
    assert len(sentinels) >= 6
    reader = b.client("owner")
    queries = [
        "",
        f"?workspace={a.workspace.pk}",
        f"?search={a.workspace.name}",
        "?page_size=1000000",
        f"?owner={a.users['owner'].pk}",
        f"?workspace_id={a.workspace.pk}",
        "?ordering=-created_at",
    ]
    checked = 0
    for route in ROUTES:
        if route.params or "get" not in route.methods or route.name in PUBLIC_API_ROUTES:
            continue
        for query in queries:
            response = reader.get(route.url({}) + query)
            assert response.status_code in (200, 400, 409), (route.name, query, response.status_code)
            body = response.content.decode()
            leaked = [s for s in sentinels if s in body]
            assert not leaked, (route.name, query, leaked)
            checked += 1
    assert checked >= 10


def test_a_viewer_cannot_write_anywhere(world):
    _prepare(world)
    a = world["A"]
    viewer = a.client("viewer")
    before = _snapshot(a.workspace)
    checked = 0
    for route in ROUTES:
        if route.name in PUBLIC_API_ROUTES:
            continue
        url = route.url(url_values(route, a))
        for method in route.methods:
            if method not in UNSAFE or (route.name, method) in VIEWER_WRITABLE:
                continue
            if route.model is Membership and method == "delete":
                # a viewer may leave; removing someone else is refused by the service
                other = Membership.objects.filter(workspace=a.workspace, role="member").first()
                url = route.url({"workspace_pk": a.workspace.pk, "pk": other.pk})
            response = _call(viewer, method, url)
            assert response.status_code == 403, (route.name, method, response.status_code, response.content[:200])
            assert response.json()["error"]["code"] == "permission_denied"
            checked += 1
    assert checked >= 8
    assert _snapshot(a.workspace) == before


def test_every_workspace_owned_model_is_reachable_by_the_walk():
    """A model with an API but no TENANT_FACTORIES entry would escape the walk."""
    routed = {route.model for route in ROUTES if route.model is not None}
    for model in routed:
        assert model in (Workspace, Membership) or model in workspace_owned_models(), model
    assert apps.get_model("accounts", "ApiKey") in routed
