"""Import rejection reasons are stored as codes and shown in the reader's
language (issue 17): an import started in English reads in Arabic on the
page, in Hebrew through the API and in Spanish in the CSV report."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from crm.models import ContactImportError
from crm.reasons import Reason, shown, stored
from crm.tests.test_import import run_import
from nexusone.tests.test_i18n import _catalog

pytestmark = pytest.mark.django_db


def _translated(language: str, msgid: str) -> str:
    return _catalog(language).find(msgid).msgstr


@pytest.fixture
def finished_import(world, django_capture_on_commit_callbacks):
    from crm.tests.conftest import set_credits

    set_credits(world["A"].workspace, 1000)
    client = world["A"].client("member")
    content = "email,phone,first_name\nnot-an-email,,Bad\n,,No key\n"
    response = run_import(client, content, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_reasons_are_stored_as_codes(finished_import):
    rows = dict(ContactImportError.unscoped.filter(contact_import_id=finished_import).values_list("line", "reason"))
    assert json.loads(rows[2]) == {
        "m": "%(column)s: %(reason)s (%(value)s)",
        "p": {"column": "email", "reason": {"m": "Enter a valid e-mail address."}, "value": "not-an-email"},
    }
    assert json.loads(rows[3]) == {"m": "This line has neither a valid e-mail address nor a phone number."}


def test_reasons_are_shown_in_the_readers_language(world, finished_import):
    no_key = "This line has neither a valid e-mail address nor a phone number."
    bad_email = _translated("he", "Enter a valid e-mail address.")

    api = world["A"].client("member")
    errors = api.get(f"/api/v1/crm/imports/{finished_import}/errors", HTTP_ACCEPT_LANGUAGE="he").json()["results"]
    assert [e["line"] for e in errors] == [2, 3]  # the header is line 1
    assert bad_email in errors[0]["reason"] and "not-an-email" in errors[0]["reason"]
    assert errors[1]["reason"] == _translated("he", no_key)

    page = Client()
    page.force_login(world["A"].users["member"])
    html = page.get(f"/ar/w/{world['A'].workspace.slug}/crm/imports/{finished_import}/").content.decode()
    assert _translated("ar", no_key) in html and no_key not in html

    csv_report = api.get(f"/api/v1/crm/imports/{finished_import}/errors?format=csv", HTTP_ACCEPT_LANGUAGE="es")
    assert _translated("es", no_key) in b"".join(csv_report.streaming_content).decode()


def test_text_stored_before_codes_is_shown_as_it_is():
    assert shown("Línea inválida") == "Línea inválida"
    assert shown('{"m": broken') == '{"m": broken'
    assert stored(Reason("Enter a valid e-mail address.")) == '{"m":"Enter a valid e-mail address."}'
    assert stored("plain text") == "plain text"
