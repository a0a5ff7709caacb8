"""Until the e-mail address is verified, every workspace page says so (the
free plan's credits wait for it), with the way to get the e-mail again."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

pytestmark = pytest.mark.django_db

BANNER = "Verify your e-mail address"


def test_an_unverified_user_is_told_on_every_workspace_page_until_verified(world):
    a = world["A"]
    user = a.users["member"]
    EmailAddress.objects.filter(user=user).update(verified=False)
    client = Client()
    client.force_login(user)
    for path in ("", "content/", "crm/"):
        page = client.get(f"/en/w/{a.workspace.slug}/{path}").content.decode()
        assert BANNER in page and "/accounts/email/" in page, path
    hebrew = client.get(f"/he/w/{a.workspace.slug}/").content.decode()
    assert "אמתו את כתובת האימייל" in hebrew
    EmailAddress.objects.filter(user=user).update(verified=True)
    assert BANNER not in client.get(f"/en/w/{a.workspace.slug}/").content.decode()
