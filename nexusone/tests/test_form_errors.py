"""Form errors stand under the field they belong to (issue 17): sign-up, a
password mismatch, and the app's own forms rendered with `as_p`."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _field_block(html: str, name: str) -> str:
    """The `<div class="field">` that holds the input named `name`."""
    for block in re.findall(r'<div class="field[^"]*">(.*?)</div>\s*(?=<div class="field|<button|</form>)', html, re.S):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field block for {name}")


def test_a_password_mismatch_is_reported_under_the_second_password():
    html = (
        Client()
        .post(
            "/he/accounts/signup/",
            {"email": "new@example.test", "password1": "Correct-horse-42", "password2": "Correct-horse-43"},
        )
        .content.decode()
    )
    block = _field_block(html, "password2")
    assert block.index('name="password2"') < block.index('class="errorlist"')
    assert "יש להזין את אותה הסיסמה פעמיים" in block  # "You must type the same password each time."
    assert "errorlist" not in _field_block(html, "email")


def test_sign_up_errors_stand_under_their_own_fields():
    html = (
        Client()
        .post("/en/accounts/signup/", {"email": "not-an-address", "password1": "short", "password2": "short"})
        .content.decode()
    )
    email, password = _field_block(html, "email"), _field_block(html, "password1")
    assert email.index('name="email"') < email.index("Enter a valid email address.")
    assert password.index('name="password1"') < password.index("too short")


def test_the_apps_own_forms_show_errors_under_the_field(world):
    client = Client()
    client.force_login(world["A"].users["owner"])
    html = client.post("/en/workspaces/new/", {"name": ""}).content.decode()
    block = _field_block(html, "name")
    assert block.index('name="name"') < block.index('class="errorlist"')
