"""Coverage of the personal data registry (nexusone/personal_data.py).

Every model of every app is walked: a model that belongs to a workspace, points
at a user or a contact, or has a personal-looking field must be declared in
its app's `personal_data.py`, so a new module cannot forget its data in an
export, an erasure or a workspace purge."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from nexusone import personal_data
from nexusone.personal_data import PERSONAL_NAMES, Holding

HOW_TO = """
Declare it in {app}/personal_data.py (copy crm/personal_data.py), e.g.:

    from nexusone.personal_data import Holding, register

    register(
        Holding(
            "{label}",
            personal=(...),       # fields that are personal data: {suspects}
            not_personal=(...),   # personal-looking names that are not (a plan's "name")
            secret=(...),         # never exported: tokens, hashes, ciphertexts
            files={{...}},          # fields naming stored files: "asset" | "path" | "default"
            contact="contact",    # how to find a data subject's rows (field path or callable -> Q)
            contact_erase="delete",  # or "anonymize" (keeps counts) / "keep"
            user="created_by",    # the user the row is about (account deletion)
            user_fields=(...),    # their own columns, for GET /api/v1/me/export (allowlist)
        ),
    )

The contract is in docs/architecture.md ("Personal data registry")."""


def _project_app(config) -> bool:
    path = Path(config.path).resolve()
    base = Path(settings.BASE_DIR).resolve()
    return base in path.parents and ".venv" not in path.parts and "site-packages" not in path.parts


def _user_model_labels() -> set[str]:
    return {settings.AUTH_USER_MODEL.lower(), "crm.contact"}


def _reasons(model: type[models.Model], *, project: bool) -> list[str]:
    reasons: list[str] = []
    watched = _user_model_labels()
    for f in model._meta.concrete_fields:
        if f.is_relation and f.related_model is not None and f.related_model._meta.label_lower in watched:
            reasons.append(f"{f.name} → {f.related_model._meta.label}")
        elif project and f.name == "workspace":
            reasons.append("workspace")
        elif project and f.name in PERSONAL_NAMES and not f.is_relation:
            reasons.append(f"personal-looking field {f.name!r}")
    return reasons


def _walked_models():
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        yield model, _project_app(model._meta.app_config)


def test_every_model_holding_personal_data_is_declared():
    missing = []
    for model, project in _walked_models():
        reasons = _reasons(model, project=project)
        if reasons and personal_data.holding_for(model) is None:
            suspects = ", ".join(f.name for f in model._meta.concrete_fields if f.name in PERSONAL_NAMES) or "-"
            missing.append(
                f"\n- {model._meta.label} ({'; '.join(reasons)})"
                + HOW_TO.format(app=model._meta.app_label, label=model._meta.label, suspects=suspects)
            )
    assert not missing, "Models with personal data missing from the registry:" + "".join(missing)


def _check_fields(holding: Holding) -> list[str]:
    model = holding.model_class
    names = {f.name for f in model._meta.concrete_fields}
    attnames = names | {f.attname for f in model._meta.concrete_fields}
    problems = []
    for group in ("personal", "not_personal", "secret"):
        for name in getattr(holding, group):
            if name not in names:
                problems.append(f"{holding.label}.{group} names {name!r}, which is not a field")
    for name in holding.files:
        if name not in names:
            problems.append(f"{holding.label}.files names {name!r}, which is not a field")
    for path in (holding.user, holding.contact if isinstance(holding.contact, str) else None):
        if path and path != "pk" and path.split("__")[0] not in attnames:
            problems.append(f"{holding.label} points at {path!r}, which is not a field")
    for name in holding.user_fields:
        if name.split("__")[0] not in attnames:
            problems.append(f"{holding.label}.user_fields names {name!r}, which is not a field")
        if name.split("__")[0] in holding.secret:
            problems.append(f"{holding.label}.user_fields names the secret {name!r}")
    if holding.user_fields and holding.user is None:
        problems.append(f"{holding.label}: user_fields without `user`")
    for name in set(holding.personal) & set(holding.not_personal):
        problems.append(f"{holding.label}.{name} is both personal and not_personal")
    return problems


def test_declarations_name_real_fields():
    problems = [p for holding in personal_data.holdings() for p in _check_fields(holding)]
    assert not problems, "\n".join(problems)


def test_personal_looking_fields_are_classified():
    """A new `email` or `phone` column on a declared model must be classified too."""
    problems = []
    for holding in personal_data.holdings():
        if not _project_app(holding.model_class._meta.app_config):
            continue
        classified = set(holding.personal) | set(holding.not_personal) | set(holding.secret)
        for f in holding.model_class._meta.concrete_fields:
            if f.name in PERSONAL_NAMES and not f.is_relation and f.name not in classified:
                problems.append(
                    f"{holding.label}.{f.name} looks personal: add it to `personal` (or `not_personal`) "
                    f"in {holding.model_class._meta.app_label}/personal_data.py"
                )
    assert not problems, "\n".join(problems)


def test_erasure_rules_are_consistent():
    problems = []
    for holding in personal_data.holdings():
        if holding.contact_erase != "keep" and holding.contact is None:
            problems.append(f"{holding.label}: contact_erase without `contact`")
        if holding.user_erase != "keep" and holding.user is None:
            problems.append(f"{holding.label}: user_erase without `user`")
        if "anonymize" in (holding.contact_erase, holding.user_erase) and not holding.personal:
            problems.append(f"{holding.label}: anonymize needs `personal` fields to blank")
        holding.anonymized_values()  # every personal field has a replacement
    assert not problems, "\n".join(problems)


def test_an_undeclared_model_is_reported(monkeypatch):
    """The walk is not vacuous: removing a declaration makes it fail with instructions."""
    personal_data.holdings()
    saved = personal_data._REGISTRY.pop("crm.Contact")
    try:
        try:
            test_every_model_holding_personal_data_is_declared()
        except AssertionError as exc:
            message = str(exc)
        else:  # pragma: no cover - the assertion below reports it
            message = ""
        assert "crm.Contact (workspace" in message
        assert "crm/personal_data.py" in message
    finally:
        personal_data._REGISTRY["crm.Contact"] = saved
