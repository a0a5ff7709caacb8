from __future__ import annotations

import factory

from accounts.models import Membership, Role, User, Workspace

PASSWORD = "Correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def email_verified(obj, create, extracted, **kwargs):
        """A verified address, as after the confirmation link (pass False for an
        unverified one): the personal workspace then holds the free allowance."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)

    @factory.post_generation
    def personal_workspace(obj, create, extracted, **kwargs):
        """Like sign-up: every user gets a personal workspace (pass False to skip)."""
        if create and extracted is not False:
            from accounts.services import workspace_create_personal

            workspace_create_personal(user=obj)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def _owner_membership(obj, create, extracted, **kwargs):
        if create:
            Membership.objects.get_or_create(workspace=obj, user=obj.owner, defaults={"role": Role.OWNER})


def add_member(workspace: Workspace, role: str, **user_kwargs) -> User:
    user = UserFactory(**user_kwargs)
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


def tenant_with_roles(label: str):
    from conftest import Tenant

    owner = UserFactory(email=f"owner-{label.lower()}@example.test")
    workspace = WorkspaceFactory(name=f"Tenant {label}", slug=f"tenant-{label.lower()}", owner=owner)
    tenant = Tenant(workspace=workspace, users={"owner": owner})
    for role in (Role.ADMIN, Role.MEMBER, Role.VIEWER):
        tenant.users[role.value] = add_member(workspace, role, email=f"{role.value}-{label.lower()}@example.test")
    return tenant


def make_invitation(workspace: Workspace, email: str | None = None):
    from accounts.models import Invitation
    from accounts.services import _token_digest

    email = email or f"invitee-{workspace.slug}@example.test"
    return Invitation.unscoped.create(
        workspace=workspace, email=email, role=Role.MEMBER, token_hash=_token_digest(f"token-{workspace.pk}-{email}")
    )


def make_api_key(workspace: Workspace, name: str | None = None):
    """A key of `workspace`, which is put on a plan that includes API keys (pro)."""
    from accounts.models import ApiKey
    from billing.tests.factories import paid_features
    from nexusone.api.authentication import hash_api_key

    paid_features(workspace)

    prefix, secret = ApiKey.generate_secret()
    return ApiKey.unscoped.create(
        workspace=workspace,
        name=name or f"key of {workspace.name}",
        prefix=prefix,
        key_hash=hash_api_key(secret),
        created_by=workspace.owner,
    )


# model → callable(workspace) → a row owned by that workspace (used by the route walk)
TENANT_FACTORIES = {}


def _register():
    from accounts.models import ApiKey, Invitation

    TENANT_FACTORIES.update({Invitation: make_invitation, ApiKey: make_api_key})


_register()
