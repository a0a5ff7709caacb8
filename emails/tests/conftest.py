"""E-mail test fixtures: a real SMTP sink on loopback, a verified sender,
credits, a Spanish-speaking audience with and without consent."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from billing.services import credits_purchase, plans_ensure_defaults
from crm.tests.factories import make_contact, make_segment
from emails.tests.smtp_sink import SmtpSink

SENDER_DOMAIN = "shop.example"
POSTAL = "Tienda Ejemplo S.L., Calle Mayor 1, 28013 Madrid, España"


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(settings, sink):
    """Campaigns go out over SMTP to the sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    return sink


@pytest.fixture(autouse=True)
def _email_settings(settings):
    settings.EMAIL_VERIFIED_DOMAINS = [SENDER_DOMAIN]
    settings.EMAIL_RATE_LIMIT_PER_SECOND = 0
    settings.EMAIL_BATCH_SIZE = 3
    settings.SITE_URL = "https://app.nexusone.test"
    settings.ANYMAIL_PROVIDER = ""
    settings.DKIM_PRIVATE_KEY = ""


def give_credits(workspace, amount: int) -> None:
    plans_ensure_defaults()
    credits_purchase(workspace=workspace, credits=amount, idempotency_key=f"test-topup-{workspace.pk}-{amount}")


def balance(workspace) -> int:
    from billing.models import BillingAccount

    return BillingAccount.unscoped.get(workspace=workspace).balance


def set_postal_address(workspace, value: str = POSTAL, monkeypatch=None) -> None:
    from accounts.models import Workspace

    if any(f.name == "postal_address" for f in Workspace._meta.get_fields()):
        Workspace.objects.filter(pk=workspace.pk).update(postal_address=value)
        workspace.postal_address = value
    elif monkeypatch is not None:  # until the workspace setting lands on main
        monkeypatch.setattr("emails.branding.postal_address", lambda ws: value if ws.pk == workspace.pk else "")


@dataclass
class Shop:
    tenant: object
    sender: object
    segment: object
    consenting: list = field(default_factory=list)
    no_consent: object = None

    @property
    def workspace(self):
        return self.tenant.workspace


@pytest.fixture
def shop(world, monkeypatch):
    """Workspace A: 3 consenting Spanish contacts tagged `otono`, one without
    consent, a segment of the tag, a verified sender, 200 credits, an address."""
    from emails.tests.factories import make_sender

    tenant = world["A"]
    workspace = tenant.workspace
    give_credits(workspace, 200)
    set_postal_address(workspace, monkeypatch=monkeypatch)
    consenting = [
        make_contact(workspace, first_name=name, email=f"{name.lower()}@clientes.example", language="es",
                     email_opt_in=True, tags=["otono"])
        for name in ("Lucia", "Mateo", "Sofia")
    ]  # fmt: skip
    no_consent = make_contact(workspace, first_name="Pablo", email="pablo@clientes.example", tags=["otono"])
    segment = make_segment(workspace, name="Otoño", definition={"tags_any": ["otono"]})
    sender = make_sender(workspace, email=f"hola@{SENDER_DOMAIN}", name="Tienda Ejemplo", domain=SENDER_DOMAIN,
                         verified=True)  # fmt: skip
    return Shop(tenant=tenant, sender=sender, segment=segment, consenting=consenting, no_consent=no_consent)


@pytest.fixture
def send_campaign(django_capture_on_commit_callbacks):
    """Create and send a campaign through the services (tasks run eagerly)."""
    from emails.services.campaigns import campaign_create
    from emails.services.dispatch import campaign_send
    from emails.tests.factories import BLOCKS
    from nexusone.tenancy import workspace_scope

    def run(shop, **data):
        values = {
            "name": "Otoño",
            "subject": "Hola {{first_name}}",
            "sender_id": shop.sender.pk,
            "audience": {"segment_id": shop.segment.pk},
            "language": "es",
            "body": BLOCKS,
            **data,
        }
        with workspace_scope(shop.workspace), django_capture_on_commit_callbacks(execute=True):
            campaign = campaign_create(workspace=shop.workspace, data=values)
            campaign = campaign_send(campaign=campaign)
        campaign.refresh_from_db()
        return campaign

    return run


def html_part(received) -> str:
    message = received.message
    return next(p for p in message.walk() if p.get_content_type() == "text/html").get_content()


def links_in(html: str) -> list[str]:
    import re

    return re.findall(r'href="(https://app\.nexusone\.test/e/[cu]/[^"]+)"', html)


def local_path(url: str) -> str:
    return url.removeprefix("https://app.nexusone.test")
