"""Identity sits below money (issue 16, point 14): `accounts` imports no
other app of the project; billing reacts to workspace creation and gates
plan features, analytics adds the dashboard's charts and privacy deletes
accounts, all through `accounts.hooks`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ACCOUNTS = Path(__file__).resolve().parents[1]
PROJECT = ACCOUNTS.parent
# Every app of the project except `accounts` itself and the project package
# `nexusone` (settings, tenancy, API base, audit): found on disk, so an app
# added later is covered without editing this list. Django, allauth and the
# other libraries are fine.
DOMAIN_APPS = {
    path.parent.name for path in PROJECT.glob("*/apps.py") if path.parent.name not in ("accounts", "nexusone")
}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_accounts_imports_no_domain_app():
    assert {"billing", "analytics", "privacy", "crm"} <= DOMAIN_APPS  # the walk finds the apps
    offenders = {
        str(path.relative_to(ACCOUNTS)): sorted(_imported_roots(path) & DOMAIN_APPS)
        for path in ACCOUNTS.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    }
    assert {name: apps for name, apps in offenders.items() if apps} == {}


@pytest.mark.django_db
def test_billing_opens_an_account_when_a_workspace_is_created(world, settings):
    settings.BILLING_FREE_WORKSPACES_PER_PERSON = 3
    from accounts.services import workspace_create
    from billing.models import BillingAccount

    workspace = workspace_create(owner=world["A"].users["owner"], name="Second shop")
    assert BillingAccount.unscoped.get(workspace=workspace).plan.key == "free"
