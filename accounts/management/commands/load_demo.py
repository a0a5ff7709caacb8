"""Load a demo user and workspace (idempotent): `manage.py load_demo`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Membership, Role, User
from accounts.services import workspace_create, workspace_create_personal

DEMO_EMAIL = "demo@nexusone.local"
DEMO_PASSWORD = "demo-password-123"


class Command(BaseCommand):
    help = "Create the demo user (demo@nexusone.local / demo-password-123) and a demo workspace."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo creates a user with a published password: it runs only with DEBUG=1.")
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, name="Demo User")
            workspace_create_personal(user=user)
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=user, email=DEMO_EMAIL, primary=True, verified=True)
        if not Membership.objects.filter(user=user, workspace__slug__startswith="demo-store").exists():
            workspace = workspace_create(owner=user, name="Demo Store")
            teammate = User.objects.filter(email="teammate@nexusone.local").first() or User.objects.create_user(
                "teammate@nexusone.local", DEMO_PASSWORD, name="Sam Teammate"
            )
            Membership.objects.get_or_create(workspace=workspace, user=teammate, defaults={"role": Role.MEMBER})
        self.stdout.write(self.style.SUCCESS(f"Demo ready: {DEMO_EMAIL} / {DEMO_PASSWORD}"))
