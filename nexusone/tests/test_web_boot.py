"""A web worker's boot (issue 19, cold start; docs/architecture.md and
docs/PERFORMANCE.md "Cold start"). The web entry points set
NEXUSONE_PROCESS=web, and the settings then leave django-celery-beat and
dj-stripe out of INSTALLED_APPS and discover the admin modules lazily, so a web
worker boots without Celery, dj-stripe, the Stripe SDK or the `admin.py`
modules — and the staff pages that read dj-stripe's tables still work there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
NEVER_AT_BOOT = ("celery", "djstripe", "stripe", "nexusone.admin_urls", "billing.admin", "unfold.admin")
# Imported at first use, not by the boot nor by the URLconf (a worker's first request): the outbound
# door's httpx (and httpcore, and httpx's CLI: rich, click), phonenumbers.
NOT_ON_FIRST_REQUEST = ("httpx", "httpcore", "rich", "click", "phonenumbers")

BOOT_PROBE = textwrap.dedent(
    """
    import gc, json, sys
    import nexusone.wsgi
    from django.apps import apps
    from django.conf import settings
    from django.urls import resolve, reverse
    from django.utils import translation

    WATCHED = %r
    out = {"apps": list(settings.INSTALLED_APPS), "admin_config": type(apps.get_app_config("admin")).__name__,
           "at_boot": [name for name in WATCHED if name in sys.modules],
           "gc": [gc.isenabled(), gc.get_freeze_count()]}
    translation.activate("en")
    resolve("/en/"); reverse("home"); reverse("healthz")
    out["after_other_urls"] = [name for name in WATCHED if name in sys.modules]
    from nexusone.personal_data import holdings
    out["holdings"] = sorted(h.label for h in holdings())
    out["admin_url"] = reverse("admin:billing_billingaccount_changelist")
    from django.contrib import admin
    out["registered"] = sorted(model._meta.label for model in admin.site._registry)
    out["after_admin"] = [name for name in WATCHED if name in sys.modules]
    print(json.dumps(out))
    """
)


def _web_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "NEXUSONE_PROCESS")}
    env.pop("NEXUSONE_TESTING", None)
    return {**env, "DEBUG": "1", **extra}


def _run(code: str, env: dict):
    probe = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr[-3000:]
    return json.loads(probe.stdout.strip().splitlines()[-1])


def test_a_web_worker_boots_without_celery_dj_stripe_or_the_admin_modules():
    out = _run(BOOT_PROBE % (NEVER_AT_BOOT + NOT_ON_FIRST_REQUEST,), _web_env())
    assert "django_celery_beat" not in out["apps"] and "djstripe" not in out["apps"]
    assert out["admin_config"] == "SimpleAdminConfig"
    assert out["at_boot"] == []
    # the boot ran without the garbage collector, and what it built is out of its reach (nexusone/boot.py)
    enabled, frozen = out["gc"]
    assert enabled and frozen > 50_000
    assert out["after_other_urls"] == []  # resolving and reversing other URLs leaves the admin alone
    assert "djstripe.Customer" not in out["holdings"] and "accounts.User" in out["holdings"]
    # the first reverse("admin:…") (or request under ADMIN_URL) discovers every admin module
    assert out["admin_url"].endswith("/billing/billingaccount/")
    assert {"billing.BillingAccount", "billing.Plan", "accounts.User", "crm.Contact"} <= set(out["registered"])
    assert not any(label.startswith(("djstripe.", "django_celery_beat.")) for label in out["registered"])
    assert sorted(set(out["after_admin"]) - set(NOT_ON_FIRST_REQUEST)) == [
        "billing.admin", "nexusone.admin_urls", "unfold.admin",
    ]  # fmt: skip


def test_other_processes_keep_every_app():
    from django.apps import apps
    from django.conf import settings

    # the tests, manage.py, the worker and beat: every table is migrated and dj-stripe syncs
    assert {"django_celery_beat", "djstripe", "django.contrib.admin"} <= set(settings.INSTALLED_APPS)
    assert type(apps.get_app_config("admin")).__name__ == "AdminConfig"


def test_commands_the_worker_and_beat_keep_every_app_in_a_web_environment():
    """NEXUSONE_PROCESS=web inherited by `manage.py` (migrate needs dj-stripe's migrations) or by
    Celery (beat's scheduler) is dropped: only the web entry points leave apps out."""
    apps_probe = "from django.conf import settings; print(json.dumps(list(settings.INSTALLED_APPS)))"
    command = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", f"import json; {apps_probe}"],
        cwd=ROOT, env=_web_env(NEXUSONE_PROCESS="web"), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert command.returncode == 0, command.stderr[-3000:]
    worker = _run(f"import json, nexusone.celery; {apps_probe}", _web_env(NEXUSONE_PROCESS="web"))
    for installed in (json.loads(command.stdout.strip().splitlines()[-1]), worker):
        assert {"djstripe", "django_celery_beat", "django.contrib.admin"} <= set(installed)


PAGES_PROBE = textwrap.dedent(
    """
    import json, sys
    import nexusone.wsgi
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    admin = "/" + settings.ADMIN_URL
    staff = Client()
    staff.force_login(User.objects.get(email="staff@example.com"))
    out = {"pages": {}}
    for name, url in (("index", admin), ("account", admin + "billing/billingaccount/%d/change/"),
                      ("plans", admin + "billing/plan/"), ("plan", admin + "billing/plan/%d/change/"),
                      ("revenue", admin + "analytics/staffanalytics/?report=revenue")):
        response = staff.get(url)
        out["pages"][name] = [response.status_code, response.content.decode()]
    leaver = User.objects.get(email="leaver@example.com")
    response = staff.post(admin + "accounts/user/%%d/delete/" %% leaver.pk, {"post": "yes"})
    out["delete"] = [response.status_code, User.objects.filter(pk=leaver.pk).exists()]
    out["stripe_loaded"] = [name for name in ("djstripe", "stripe") if name in sys.modules]
    print(json.dumps(out))
    """
)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a second process reads the test database")
@pytest.mark.django_db(transaction=True)
def test_staff_see_a_workspaces_stripe_state_in_the_web_process():
    """The pages staff use about Stripe, served by a web-process interpreter (no dj-stripe models)
    from the rows this test commits: the billing account's Stripe panel, the plans with their price
    ids, the revenue page (MRR from dj-stripe's subscriptions) — and deleting a user who is a
    Stripe customer's subscriber, which Django would otherwise fail on the foreign key."""
    from djstripe.models import Customer, Invoice, Subscription

    from accounts.tests.factories import UserFactory, WorkspaceFactory
    from billing.models import BillingAccount, Plan
    from billing.services import plans_ensure_defaults
    from billing.tests import stripe_objects as so
    from billing.tests.factories import account as open_account

    plans_ensure_defaults()
    Plan.objects.filter(key="pro").update(stripe_price_id="price_pro")
    UserFactory(email="staff@example.com", is_staff=True, is_superuser=True, personal_workspace=False)
    leaver = UserFactory(email="leaver@example.com", personal_workspace=False)
    account = open_account(WorkspaceFactory())
    BillingAccount.unscoped.filter(pk=account.pk).update(stripe_customer_id="cus_web", stripe_subscription_id="sub_web")
    Customer.objects.create(id="cus_web", subscriber=leaver, stripe_data=so.customer_object("cus_web", email="w@x.io"))
    sub = so.subscription("sub_web", "cus_web", "active", "price_pro", metadata={"plan": "pro"})
    Subscription.objects.create(id="sub_web", customer_id="cus_web", stripe_data=sub)
    invoice = {**so.invoice("in_web", "cus_web", "sub_web", "price_pro"), "number": "WEB-0001", "currency": "usd",
               "total": 9700, "amount_paid": 9700}  # fmt: skip
    Invoice.objects.create(id="in_web", customer_id="cus_web", stripe_data=invoice)

    db = connection.settings_dict
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}/{db['NAME']}"
    pro = Plan.objects.get(key="pro")
    out = _run(PAGES_PROBE % (account.pk, pro.pk), _web_env(DATABASE_URL=url, REDIS_URL="", CELERY_BROKER_URL=""))

    pages = out["pages"]
    assert {name: status for name, (status, _page) in pages.items()} == {
        "index": 200, "account": 200, "plans": 200, "plan": 200, "revenue": 200,
    }  # fmt: skip
    account_page = pages["account"][1]
    assert "https://dashboard.stripe.com/test/customers/cus_web" in account_page
    assert "w@x.io" in account_page and "WEB-0001" in account_page and "$97.00" in account_page
    assert "price_pro" in pages["plans"][1] and 'name="stripe_price_id"' in pages["plan"][1]
    assert "pro: ARPU" in pages["revenue"][1] and "97.00" in pages["revenue"][1]  # MRR from the subscription row
    assert out["delete"] == [302, False]
    assert Customer.objects.get(id="cus_web").subscriber_id is None  # what on_delete=SET_NULL did before
    assert out["stripe_loaded"] == []
