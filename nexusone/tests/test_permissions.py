"""The role matrix (T07, ARCHITECTURE convention 14): what every role may do
on every API route and every page form equals the permission table.

- API: every route × method × {owner, admin, member, viewer}: refused (403
  `permission_denied`) exactly when the table's rule needs a higher role,
  and API keys are refused on every rule closed to keys.
- Pages: the owner walks every workspace page (links, htmx attributes) and
  every POST form is then submitted by each role: refused (403, nothing
  changed) exactly when the table says so; a viewer's whole walk changes
  nothing. Every workspace page route must be reached by the walk.
- Admin: every admin action checks a staff rule of the table.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from billing.tests.factories import paid_features
from nexusone import permissions as table
from nexusone.audit import AuditEntry
from nexusone.tenancy import workspace_scope
from nexusone.tests import pagewalk
from nexusone.tests.routewalk import (
    PUBLIC_API_ROUTES,
    api_routes,
    instance_for,
    route_rule,
    tenant_factories,
    url_values,
)
from nexusone.tests.test_isolation import _call, _snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unthrottled")]

ROLES = [Role.VIEWER, Role.MEMBER, Role.ADMIN, Role.OWNER]
# Rules that depend on the object and are checked by the service, not the
# view: anyone may leave (the view's rule), removing someone else needs this.
OBJECT_RULES = {("workspace-member-detail", "delete"): "accounts.member.remove"}
ROUTES = [route for route in api_routes() if route.name not in PUBLIC_API_ROUTES]
USER_LEVEL_ROUTES = {"invitation-accept-api"}  # act for the person, not inside a workspace


def _ranked(role) -> int:
    return table.role_rank(role)


def _seed(tenant) -> None:
    """One row of every workspace-owned model, so every list shows a link
    to a detail page and every detail route has an id; plus the states that
    open the remaining pages (an import waiting for its mapping, a page with
    a hero image)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from content.landing_services import landing_page_set_hero_image
    from content.tests.factories import make_landing_page
    from crm.services import import_upload

    for model in tenant_factories():
        instance_for(model, tenant)
    with workspace_scope(tenant.workspace):  # an upload waiting for its column mapping
        import_upload(workspace=tenant.workspace, file=SimpleUploadedFile("waiting.csv", b"email\na@example.test\n"))
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    page = make_landing_page(tenant.workspace)
    landing_page_set_hero_image(page=page, upload=SimpleUploadedFile("hero.png", png, content_type="image/png"))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _world_snapshot(workspace) -> tuple:
    audit = AuditEntry.unscoped.filter(workspace=workspace).count()
    return _snapshot(workspace), audit, len(mail.outbox)


# --- the table itself ------------------------------------------------------------------------------


def test_the_table_is_complete_and_well_formed():
    rules = list(table.table())
    names = {rule.name for rule in rules}
    for app in table.MODULE_APPS:
        assert {f"{app}.view", f"{app}.change"} <= names
    assert table.least_role("accounts.invitation.create") == Role.ADMIN
    assert table.least_role("billing.plan.change") == Role.OWNER
    assert not table.allowed("accounts.api_key.create", Role.OWNER, api_key=True)
    assert table.allowed("whatsapp.change", Role.MEMBER) and not table.allowed("whatsapp.change", Role.VIEWER)
    assert not table.allowed("accounts.workspace.suspend", Role.OWNER)
    with pytest.raises(ValueError):
        table.register(table.Rule("accounts.invitation.create", Role.MEMBER))
    with pytest.raises(LookupError):
        table.least_role("nothing.like.this")


# --- API ---------------------------------------------------------------------------------------------


def _ordered_calls():
    """Every (route, method), writes that destroy what later calls need last."""
    calls = [(route, method) for route in ROUTES for method in route.methods]
    return sorted(calls, key=lambda c: (c[1] == "delete", c[0].model is not None and c[0].name.startswith("workspace")))


@pytest.mark.parametrize("role", ROLES)
def test_every_api_route_allows_exactly_what_the_table_says(world, role):
    a = world["A"]
    _seed(a)
    client = a.client(role)
    others = Membership.objects.filter(workspace=a.workspace).exclude(user=a.users[role])
    # someone else's membership (the lowest role): leaving oneself is a different rule
    other = min(others, key=lambda m: _ranked(m.role))
    calls = []  # every URL is built before any call changes the rows they point at
    for route, method in _ordered_calls():
        if route.name in USER_LEVEL_ROUTES:
            continue
        values = url_values(route, a)
        if route.model is Membership and "pk" in values:
            values["pk"] = other.pk
        calls.append((route, method, route.url(values)))
    checked = 0
    for route, method, url in calls:
        name, least = route_rule(route, method)
        if (route.name, method) in OBJECT_RULES:
            name = OBJECT_RULES[(route.name, method)]
            least = table.least_role(name)
        response = _call(client, method, url)
        expected_allowed = _ranked(role) >= _ranked(least)
        if expected_allowed:
            assert response.status_code != 403 or response.json()["error"]["code"] != "permission_denied", (
                route.name, method, role, name, response.content[:300],
            )  # fmt: skip
        else:
            assert response.status_code == 403, (route.name, method, role, name, response.status_code)
            assert response.json()["error"]["code"] == "permission_denied"
        checked += 1
    assert checked >= 40


def test_api_keys_are_refused_on_every_rule_closed_to_keys(world):
    from accounts.services import api_key_create

    a = world["A"]
    _seed(a)
    paid_features(a.workspace)  # SPEC: API keys need pro or premium
    _key, secret = api_key_create(
        workspace=a.workspace, name="robot", role=Role.OWNER, actor=a.users["owner"], actor_role=Role.OWNER
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get("/api/v1/me").status_code == 200  # the key works (and its last use is recorded)
    before = _snapshot(a.workspace)
    closed = 0
    calls = [(r, m, r.url(url_values(r, a))) for r, m in _ordered_calls() if r.name not in USER_LEVEL_ROUTES]
    for route, method, url in calls:
        name, _least = route_rule(route, method)
        if name is None or table.rule(name).api_keys:
            continue
        response = _call(client, method, url)
        assert response.status_code == 403, (route.name, method, response.status_code)
        closed += 1
    assert closed >= 8  # keys, invitations, members, profile, workspace deletion
    assert _snapshot(a.workspace) == before


# --- pages -------------------------------------------------------------------------------------------


def _walk_as_owner(tenant):
    owner = Client()
    owner.force_login(tenant.users["owner"])
    prefix = f"/en/w/{tenant.workspace.slug}/"
    return pagewalk.crawl(owner, prefix, prefix)


def test_the_walk_reaches_every_workspace_page(world):
    a = world["A"]
    _seed(a)
    pages, forms = _walk_as_owner(a)
    reached = pagewalk.reached_names(pages, forms)
    missing = pagewalk.workspace_page_names() - reached
    assert not missing, f"no link leads to these workspace pages: {sorted(missing)}"
    assert len(forms) >= 20


def _form_role(form) -> tuple[str | None, str]:
    view = pagewalk.view_class(form.url.split("?")[0])
    return view.permission_for("POST", form.action), view.role_needed("POST", form.action)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_form_allows_exactly_what_the_table_says(world, role):
    a = world["A"]
    _seed(a)
    _pages, forms = _walk_as_owner(a)
    user = a.users[role]
    own_membership = str(Membership.objects.get(workspace=a.workspace, user=user).pk)
    client = Client()
    client.force_login(user)
    before = _world_snapshot(a.workspace)
    refused = allowed = 0
    for form in sorted(forms, key=lambda f: (f.action in ("delete", "remove"), f.url)):
        if form.fields.get("membership") == own_membership:
            continue  # leaving the workspace is the one change every role may make
        name, least = _form_role(form)
        if _ranked(role) < _ranked(least):
            snapshot = _world_snapshot(a.workspace)
            response = client.post(form.url, form.fields)
            assert response.status_code == 403, (form.url, form.action, role, name, response.status_code)
            assert _world_snapshot(a.workspace) == snapshot, (form.url, form.action, role)
            refused += 1
        else:
            response = client.post(form.url, form.fields)
            assert response.status_code != 403, (form.url, form.action, role, name)
            allowed += 1
    assert refused + allowed == len([f for f in forms if f.fields.get("membership") != own_membership])
    if role == Role.VIEWER:
        assert refused >= 20 and _world_snapshot(a.workspace) == before


@pytest.mark.parametrize("role", ROLES)
def test_every_page_read_allows_exactly_what_the_table_says(world, role):
    a = world["A"]
    _seed(a)
    pages, _forms = _walk_as_owner(a)
    client = Client()
    client.force_login(a.users[role])
    for path, owner_status in pages.items():
        if owner_status != 200:
            continue
        view = pagewalk.view_class(path.split("?")[0])
        response = client.get(path)
        if _ranked(role) >= _ranked(view.role_needed("GET")):
            assert response.status_code == 200, (path, role, response.status_code)
        else:
            assert response.status_code == 403, (path, role, response.status_code)


def test_a_viewer_sees_no_form_they_cannot_use(world):
    """Buttons follow the table too: a viewer's pages offer only leaving."""
    a = world["A"]
    _seed(a)
    client = Client()
    client.force_login(a.users["viewer"])
    prefix = f"/en/w/{a.workspace.slug}/"
    _pages, forms = pagewalk.crawl(client, prefix, prefix)
    usable = [f for f in forms if _ranked(Role.VIEWER) >= _ranked(_form_role(f)[1])]
    offered = {(pagewalk.url_name(f.url.split("?")[0]), f.action) for f in forms}
    assert offered == {(pagewalk.url_name(f.url.split("?")[0]), f.action) for f in usable}, offered


# --- admin --------------------------------------------------------------------------------------------


def test_every_admin_action_checks_a_staff_rule():
    checked = 0
    ours = {*table.MODULE_APPS}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ours:
            continue  # third-party admins (Celery beat, dj-stripe, allauth) are staff tools with Django permissions
        for action in model_admin.actions or ():
            func = getattr(type(model_admin), action) if isinstance(action, str) else action
            rule = getattr(func, "permission_rule", None)
            assert rule, f"{type(model_admin).__name__}.{getattr(func, '__name__', action)} checks no table rule"
            assert table.least_role(rule) == table.STAFF
            checked += 1
    assert checked >= 6


def test_a_staff_rule_refuses_a_non_staff_user(world):
    from accounts.services import workspace_set_suspended
    from nexusone.errors import PermissionDenied

    a = world["A"]
    with pytest.raises(PermissionDenied):
        workspace_set_suspended(workspace=a.workspace, suspended=True, actor=a.users["owner"])
    a.workspace.refresh_from_db()
    assert not a.workspace.is_suspended
