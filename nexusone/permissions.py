"""Who may do what — the one permission table (ARCHITECTURE convention 14).

Every action a person or an API key can take in a workspace has a dotted
name (`<app>.<object>.<verb>`) and the *least* role it needs. Services,
API views, pages and admin actions all ask this table; nothing else decides.

Contract (for every module, including new ones):

- **Register your actions** in `<app>/permissions.py`; it is imported at
  start-up (`nexusone.apps`), so the table is complete before any request::

      from accounts.models import Role
      from nexusone.permissions import Rule, register

      register(
          Rule("crm.custom_field.manage", Role.ADMIN, "Define and delete custom fields"),
          Rule("crm.import.run", Role.MEMBER, "Import contacts from CSV"),
      )

  A name may be registered once; registering it again with a different rule
  fails at start-up. Labels are for people reading the table (staff docs).
- **Module defaults.** Every workspace app gets `<app>.view` (viewer) and
  `<app>.change` (member) here — SPEC: viewers read, members create and use
  modules. A view that names no action uses them: reads → `<app>.view`,
  writes → `<app>.change`. Register a specific rule whenever an action needs
  more (admins: members, integrations; owners: billing changes, deletion).
- **Services enforce**: `require("accounts.invitation.create", role=actor_role)`
  raises `PermissionDenied` (403, `permission_denied`) when the role is below
  the rule. Pass `api_key=True` when the actor is an API key: rules with
  `api_keys=False` (managing keys, invitations, members, the profile) refuse
  keys whatever their role.
- **API views** name the rule per DRF action or method:
  `permissions = {"create": "accounts.invitation.create"}` (see
  `nexusone.api.viewsets`). **Pages** name it for reads (`permission`) and per
  form action (`form_permissions = {"invite": "accounts.invitation.create"}`,
  the key is the POSTed `action` field, `""` for forms without one; see
  `nexusone.pages`). Templates ask `{% if membership|may:"…" %}`
  (`nexusone.templatetags.permissions`).
- **Admin actions** (Django admin, staff only) use rules whose role is
  `STAFF`, checked with `require_staff(request.user, name)`.
- The matrix tests (`nexusone/tests/test_permissions.py`, `…/test_isolation.py`)
  walk every API route and every page form with each role and compare what
  happens with this table, so an action missing from it fails the suite.

Interim, kept for code written before this table: views may still set
`required_roles` / `read_role` / `write_role` (API) or `required_role` /
`write_role` (pages) to a role; prefer a named rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import ROLE_RANK, Role
from nexusone.errors import PermissionDenied

# Platform staff acting through the Django admin: above every workspace role,
# never a membership role.
STAFF = "staff"
_RANK = {**{str(role): rank for role, rank in ROLE_RANK.items()}, STAFF: max(ROLE_RANK.values()) + 1}

# Apps whose pages and API live inside a workspace: each gets `<app>.view`
# (viewer) and `<app>.change` (member).
MODULE_APPS = (
    "accounts",
    "billing",
    "content",
    "campaigns",
    "whatsapp",
    "crm",
    "commerce",
    "agents",
    "analytics",
    "platform",
)


@dataclass(frozen=True)
class Rule:
    name: str
    role: str
    label: str = ""
    # False: an API key may never do this, whatever its role.
    api_keys: bool = True

    def __post_init__(self):
        if self.role not in _RANK:
            raise ValueError(f"{self.name}: unknown role {self.role!r}")
        if self.name.count(".") < 1:
            raise ValueError(f"{self.name}: use a dotted name <app>.<action>")


_TABLE: dict[str, Rule] = {}


def register(*rules: Rule) -> None:
    for rule in rules:
        existing = _TABLE.get(rule.name)
        if existing is not None and existing != rule:
            raise ValueError(f"Permission {rule.name!r} is already registered as {existing}.")
        _TABLE[rule.name] = rule


def rule(name: str) -> Rule:
    try:
        return _TABLE[name]
    except KeyError:
        raise LookupError(
            f"Permission {name!r} is not in the table: register it in its app's permissions.py."
        ) from None


def table() -> Iterator[Rule]:
    """Every rule, sorted by name (for docs and the matrix tests)."""
    return iter(sorted(_TABLE.values(), key=lambda r: r.name))


def role_rank(role: str) -> int:
    return _RANK[str(role)]


def least_role(name: str) -> str:
    return rule(name).role


def allowed(name: str, role: str | None, *, api_key: bool = False) -> bool:
    """May someone with `role` (None: no membership) do `name`?"""
    if role is None:
        return False
    found = rule(name)
    if api_key and not found.api_keys:
        return False
    return _RANK[str(role)] >= _RANK[found.role]


def require(name: str, *, role: str | None, api_key: bool = False) -> None:
    """Raise PermissionDenied unless `role` may do `name`."""
    if not allowed(name, role, api_key=api_key):
        if api_key and role is not None and not rule(name).api_keys:
            raise PermissionDenied(_("API keys cannot do this; sign in as a person."))
        raise PermissionDenied(_("Your role in this workspace does not allow this action."))


def require_staff(user, name: str) -> None:
    """Admin actions: only active staff, and only for staff rules."""
    if not (user and user.is_active and user.is_staff):
        raise PermissionDenied()
    require(name, role=STAFF)


def default_name(app: str, *, write: bool) -> str:
    return f"{app}.change" if write else f"{app}.view"


def app_of(obj) -> str:
    """The app label a view class belongs to (its top-level package; the
    platform package `nexusone` is registered as `platform`)."""
    module = (obj if isinstance(obj, type) else type(obj)).__module__.split(".")[0]
    return "platform" if module == "nexusone" else module


for _app in MODULE_APPS:
    register(
        Rule(f"{_app}.view", Role.VIEWER, "Read the module's pages and data"),
        Rule(f"{_app}.change", Role.MEMBER, "Create and use the module"),
    )
