"""Enumerate every API route and turn it into concrete requests.

Used by the isolation tests: each URL pattern under /api/v1/ becomes a
`Route` with its methods, its name and the model its `{pk}` refers to, so a
new endpoint is covered by the route walk without writing a new test.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Membership, Workspace

API_PREFIX = "api/v1/"
UNSAFE = ("post", "put", "patch", "delete")

# Reviewed allowlist: API routes callable without credentials.
PUBLIC_API_ROUTES = {"auth-register", "auth-login", "auth-refresh", "auth-logout"}

# Writes a viewer may make because they concern the user, not the workspace.
VIEWER_WRITABLE = {
    ("me", "patch"),
    ("invitation-accept-api", "post"),
    ("workspace-list", "post"),
    # marking one's own notifications read changes nothing of the workspace's
    ("notification-read", "post"),
    ("notification-read-all", "post"),
    # reporting what one did in the client (usage tracker; never carries credits)
    ("analytics-events", "post"),
    # restoring a workspace one owns is checked against that workspace, not this one
    ("workspace-deletion-restore", "post"),
    # deleting one's own account (password-checked) concerns the user, not the workspace
    ("me", "delete"),
}


@dataclass(frozen=True)
class Route:
    regex: str
    name: str
    methods: tuple[str, ...]
    model: type | None
    params: tuple[str, ...]
    # other URL parameters → the model they point at (the view's `url_models`)
    url_models: tuple[tuple[str, type], ...] = ()

    @property
    def is_object_route(self) -> bool:
        return "pk" in self.params

    def url(self, values: dict[str, object]) -> str:
        path = self.regex
        for param in self.params:
            path = re.sub(rf"\(\?P<{param}>[^)]*\)", str(values[param]), path)
        path = path.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
        return "/" + re.sub(r"/+", "/", path)


def _walk(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        regex = prefix + str(pattern.pattern.regex.pattern).lstrip("^")
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, regex.rstrip("$"))
        else:
            yield regex, pattern


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(actions))
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return ("get",)
    return tuple(m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m))


def api_routes() -> list[Route]:
    routes = []
    for regex, pattern in _walk(get_resolver().url_patterns):
        if not regex.startswith(API_PREFIX) or regex.endswith(".*$") or regex.endswith(".*"):
            continue
        if "(?P<format>" in regex:
            continue
        callback = pattern.callback
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        regex = _with_constants(regex, view_class)
        params = tuple(re.findall(r"\(\?P<(\w+)>", regex))
        routes.append(
            Route(
                regex=regex,
                name=pattern.name or regex,
                methods=_methods(callback),
                model=getattr(view_class, "model", None),
                params=params,
                url_models=tuple(getattr(view_class, "url_models", {}).items()),
            )
        )
    return routes


def workspace_owned_models() -> list[type]:
    from nexusone.tenancy import WorkspaceOwned

    return [m for m in apps.get_models() if issubclass(m, WorkspaceOwned)]


def tenant_factories() -> dict[type, object]:
    """`TENANT_FACTORIES` from every app's tests/factories.py: model → callable
    (workspace) → instance owned by that workspace."""
    registry: dict[type, object] = {}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.tests.factories")
        except ModuleNotFoundError:
            continue
        registry.update(getattr(module, "TENANT_FACTORIES", {}))
    return registry


def instance_for(model: type, tenant) -> object:
    """One row of `model` belonging to `tenant` (created by its factory if needed)."""
    if model is Workspace:
        return tenant.workspace
    if model is Membership:
        return Membership.objects.filter(workspace=tenant.workspace, role="viewer").first()
    existing = model._base_manager.filter(workspace=tenant.workspace).first()
    if existing is not None:
        return existing
    factory = tenant_factories().get(model)
    if factory is None:
        raise AssertionError(
            f"No TENANT_FACTORIES entry for {model.__name__}: add one in its app's tests/factories.py "
            "so the route walk can test its endpoints."
        )
    return factory(tenant.workspace)


def url_values(route: Route, tenant) -> dict[str, object]:
    values: dict[str, object] = {}
    for param in route.params:
        if param == "workspace_pk":
            values[param] = tenant.workspace.pk
        elif param == "pk":
            if route.model is None:
                raise AssertionError(f"{route.name}: a detail route's view must declare `model`.")
            values[param] = instance_for(route.model, tenant).pk
        elif param in dict(route.url_models):
            values[param] = instance_for(dict(route.url_models)[param], tenant).pk
        else:
            raise AssertionError(
                f"{route.name}: URL parameter {param!r} is unknown; declare `url_models = {{{param!r}: Model}}` "
                "on the view so the route walk can fill it with another workspace's row."
            )
    return values


def _with_constants(regex: str, view_class) -> str:
    """Parameters that name a kind of thing rather than a row (e.g. a provider
    key) are filled with the view's `url_constants`: such a route addresses no
    row by id."""
    for param, value in getattr(view_class, "url_constants", {}).items():
        regex = re.sub(rf"\(\?P<{param}>[^)]*\)", value, regex)
    return regex


def route_view_class(route: Route):
    for regex, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if _with_constants(regex, view_class) == route.regex:
            return getattr(callback, "cls", None) or getattr(callback, "view_class", None), getattr(
                callback, "actions", None
            )
    raise LookupError(route.regex)


class _FakeRequest:
    def __init__(self, method: str):
        self.method = method.upper()


def route_rule(route: Route, method: str) -> tuple[str | None, str]:
    """(table rule name or None for an interim role attribute, least role) for
    one API route and method, as the view itself decides it."""
    view_class, actions = route_view_class(route)
    view = view_class()
    view.action = (actions or {}).get(method)
    view.kwargs = {}
    request = _FakeRequest(method)
    return view.permission_name(request), view.required_role(request)
