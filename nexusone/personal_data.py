"""The registry of personal data: what every app holds about a workspace, a
user and a contact, and how it is exported and erased.

Contract (docs/architecture.md, "Personal data registry"):
- Each app declares its models in `<app>/personal_data.py` with
  `register(Holding("app.Model", ...), ...)`. The module is imported once, by
  `holdings()` (Django's autodiscover), so declaring is all an app does.
- `nexusone/tests/test_personal_data.py` walks every model of every app and
  fails when a model that has a `workspace`, a foreign key to a user or a
  contact, or a personal-looking field is not declared, when a declared field
  does not exist, or when a personal-looking field is neither in `personal`
  nor in `not_personal`. Its message says what to write.
- The privacy services (`privacy/`) only read this registry: the workspace
  export dumps every declared model with a `workspace` field (minus
  `secret` fields), the purge deletes them and their `files`, a contact's
  export/erase follows `contact` + `contact_erase`, a user's deletion follows
  `user` + `user_erase` and their own export `user` + `user_fields`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.apps import apps
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from crm.models import Contact

Erase = Literal["delete", "anonymize", "keep"]
FileKind = Literal["asset", "path", "default"]

# Field names that hold personal data unless a declaration says otherwise.
PERSONAL_NAMES = frozenset(
    {
        "email",
        "to_email",
        "phone",
        "display_phone_number",
        "first_name",
        "last_name",
        "name",
        "profile_name",
        "verified_name",
        "company",
        "message",
        "body",
        "text",
        "to",
        "from_number",
        "ip_address",
        "payload",
        "address",
        "shipping_address",
        "billing_address",
        "transcript",
        "customer_email",
        "customer_name",
        "customer_phone",
    }
)


@dataclass(frozen=True)
class Holding:
    """One model's personal data.

    - `personal`: fields that are personal data (anonymized on erase).
    - `not_personal`: fields whose name looks personal but are not
      (a plan's `name`); the coverage test needs one or the other.
    - `secret`: fields never exported (tokens, hashes, ciphertexts).
    - `files`: fields naming stored files → `"asset"` (the row is a
      `medialib.MediaAsset`; `key` in its `bucket`), `"path"` (a
      `<bucket>/<key>` string), `"default"` (a key of Django's default storage).
    - `contact`: how to find a contact's rows: a field path to the contact or
      its id (`"contact"`, `"contact_id"`), or `callable(contact) -> Q`.
      `contact_erase`: what erasing that person does to those rows.
    - `user`: field path to the user the row is about; `user_erase`: what
      deleting that account does to those rows (`"keep"`: the row stays,
      pointing at the anonymized account).
    - `user_fields`: the columns of those rows that are the user's own data,
      carried by their export (`GET /api/v1/me/export`); lookups such as
      `"workspace__name"` are allowed. An allowlist, so the export never
      carries another person's data or a workspace's content: empty (the
      default) leaves the model out (a campaign merely naming its author is
      the workspace's record, exported with the workspace).
    - `anonymize`: replacement values on anonymize (default: "" / None / {}).
    - `archive`: `archive(workspace, reference=…) -> int`, run by the
      workspace purge before the rows are deleted, keeps an anonymized copy
      (the ledger, for accounting).
    - `note`: why, in a sentence, for the reader and the admin.
    """

    model: str
    personal: tuple[str, ...] = ()
    not_personal: tuple[str, ...] = ()
    secret: tuple[str, ...] = ()
    files: dict[str, FileKind] = field(default_factory=dict)
    contact: str | Callable[[Contact], Q] | None = None
    contact_erase: Erase = "keep"
    user: str | None = None
    user_erase: Erase = "keep"
    user_fields: tuple[str, ...] = ()
    anonymize: dict[str, Any] = field(default_factory=dict)
    archive: Callable[..., int] | None = None
    note: str = ""

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def label(self) -> str:
        return self.model_class._meta.label

    @property
    def has_workspace(self) -> bool:
        return any(f.name == "workspace" for f in self.model_class._meta.concrete_fields)

    @property
    def manager(self) -> models.Manager:
        model = self.model_class
        return getattr(model, "unscoped", None) or model._base_manager

    def workspace_rows(self, workspace) -> models.QuerySet:
        return self.manager.filter(workspace_id=workspace.pk)

    def contact_q(self, contact: Contact) -> Q | None:
        if self.contact is None:
            return None
        if callable(self.contact):
            return self.contact(contact)
        path = self.contact
        value = contact.pk if path == "pk" or path.endswith("_id") or path.endswith("__id") else contact
        return Q(**{path: value})

    def contact_rows(self, contact: Contact) -> models.QuerySet | None:
        q = self.contact_q(contact)
        if q is None:
            return None
        rows = self.manager.filter(q)
        if self.has_workspace:
            rows = rows.filter(workspace_id=contact.workspace_id)
        return rows

    def user_rows(self, user) -> models.QuerySet | None:
        if self.user is None:
            return None
        return self.manager.filter(**{self.user: user.pk if self.user == "pk" else user})

    def anonymized_values(self) -> dict[str, Any]:
        """Field → replacement for every personal field (what `anonymize` does)."""
        values: dict[str, Any] = {}
        model = self.model_class
        for name in self.personal:
            if name in self.anonymize:
                values[name] = self.anonymize[name]
                continue
            f = model._meta.get_field(name)
            if isinstance(f, models.JSONField):
                values[name] = f.get_default() if f.has_default() else (None if f.null else {})
            elif f.null:
                values[name] = None
            elif isinstance(f, models.CharField | models.TextField):
                values[name] = ""
            else:
                values[name] = f.get_default()
        return values


_REGISTRY: dict[str, Holding] = {}
_loaded = False


def register(*entries: Holding) -> None:
    """Declare holdings (called from `<app>/personal_data.py`)."""
    for entry in entries:
        label = apps.get_model(entry.model)._meta.label
        if label in _REGISTRY and _REGISTRY[label] != entry:
            raise ValueError(f"{label} is declared twice in the personal data registry.")
        _REGISTRY[label] = entry


def holdings() -> list[Holding]:
    """Every declaration of every app (imports `<app>/personal_data.py` once)."""
    global _loaded
    if not _loaded:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("personal_data")
        _register_platform()
        _loaded = True
    return list(_REGISTRY.values())


def holding_for(model: type[models.Model] | str) -> Holding | None:
    holdings()
    label = model if isinstance(model, str) else model._meta.label
    return _REGISTRY.get(label)


def workspace_holdings() -> list[Holding]:
    return [h for h in holdings() if h.has_workspace]


def contact_holdings() -> list[Holding]:
    return [h for h in holdings() if h.contact is not None]


def user_holdings() -> list[Holding]:
    return [h for h in holdings() if h.user is not None]


def user_export_holdings() -> list[Holding]:
    """The holdings a user's own export reads (`user` and `user_fields`)."""
    return [h for h in user_holdings() if h.user_fields]


def exported_fields(holding: Holding) -> list[str]:
    """The columns a JSON export carries: every concrete field but secrets (ids kept)."""
    return [f.attname for f in holding.model_class._meta.concrete_fields if f.name not in holding.secret]


def _register_platform() -> None:
    """The platform's own models (`nexusone` is the registry, so it declares here)."""
    if "platform.AuditEntry" in _REGISTRY:
        return
    register(
        Holding(
            "platform.AuditEntry",
            personal=("ip_address",),
            user="actor_user",
            user_erase="anonymize",
            # Not `target_repr`/`metadata`: they may name the person acted on.
            user_fields=("id", "created_at", "workspace_id", "action", "target_type", "target_id", "ip_address"),
            note="The audit log; a purged workspace leaves one entry without personal data.",
        ),
        Holding(
            "platform.IdempotencyRecord",
            secret=("response_body", "fingerprint"),
            user="user",
            user_erase="delete",
            note="Stored responses may hold a secret shown once, so they are never exported.",
        ),
    )
