"""A social sign-up makes exactly one personal workspace, with or without
allauth's extra sign-up form (which also runs the account adapter)."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from accounts.adapters import SocialAccountAdapter
from accounts.models import Membership, User

pytestmark = pytest.mark.django_db


class _SignupForm:
    def __init__(self, email: str):
        self.cleaned_data = {"email": email}


def _request():
    request = RequestFactory().post("/accounts/3rdparty/signup/")
    SessionMiddleware(lambda r: None).process_request(request)
    return request


@pytest.mark.parametrize("with_form", [True, False])
def test_a_social_sign_up_makes_one_personal_workspace(with_form):
    email = f"social-{int(with_form)}@example.com"
    login = SocialLogin(user=User(email=email), account=SocialAccount(provider="google", uid=email), email_addresses=[])
    user = SocialAccountAdapter().save_user(_request(), login, form=_SignupForm(email) if with_form else None)
    personal = Membership.objects.filter(user=user, workspace__is_personal=True)
    assert personal.count() == 1 and personal.get().role == "owner"
