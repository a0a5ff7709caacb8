"""Load the demo user and workspace with sample data in every module
(idempotent): `manage.py load_demo`. See nexusone/demo.py."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Membership, Role, User, Workspace
from accounts.services import workspace_create, workspace_update_settings

DEMO_EMAIL = "demo@nexusone.local"
DEMO_PASSWORD = "demo-password-123"


class Command(BaseCommand):
    help = "Create the demo user (demo@nexusone.local / demo-password-123) and a demo workspace with sample data."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo creates a user with a published password: it runs only with DEBUG=1.")
        with transaction.atomic():
            user, workspace = self._user_and_workspace()
        from nexusone import demo

        written = demo.seed(workspace=workspace, user=user)
        if written:
            self.stdout.write(f"Demo data written: {', '.join(written)}.")
        else:
            self.stdout.write("Demo data already present.")
        self.stdout.write(self.style.SUCCESS(f"Demo ready: {DEMO_EMAIL} / {DEMO_PASSWORD}"))

    def _user_and_workspace(self) -> tuple[User, Workspace]:
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            from allauth.account.models import EmailAddress

            user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, name="Demo User", timezone="America/New_York")
            # Verified before its workspace exists, like a confirmed sign-up: the
            # workspace receives the person's free allowance (billing).
            EmailAddress.objects.create(user=user, email=DEMO_EMAIL, primary=True, verified=True)
        membership = (
            Membership.objects.select_related("workspace")
            .filter(user=user, workspace__slug__startswith="demo-store")
            .first()
        )
        if membership is not None:
            return user, membership.workspace
        # "Demo Store" is the demo user's personal workspace: signing in lands
        # there, and it is the one free workspace a person owns.
        workspace = workspace_create(owner=user, name="Demo Store", is_personal=True)
        workspace_update_settings(
            workspace=workspace,
            data={"default_region": "US", "timezone": "America/New_York", "currency": "USD", "brand_color": "#0f766e"},
            actor=user,
            actor_role=Role.OWNER,
        )
        teammate = User.objects.filter(email="teammate@nexusone.local").first() or User.objects.create_user(
            "teammate@nexusone.local", DEMO_PASSWORD, name="Sam Teammate"
        )
        Membership.objects.get_or_create(workspace=workspace, user=teammate, defaults={"role": Role.MEMBER})
        return user, workspace
