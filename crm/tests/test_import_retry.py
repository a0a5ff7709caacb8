"""A CSV import refused for credits can start again after a top-up without
sending the file again (issue 17, point 2): on the pages always (test_pages),
through the API with `keep_on_refusal` and `POST /crm/imports/{id}/start`."""

from __future__ import annotations

import io

import pytest

from crm.models import Contact, ContactImport, ImportStatus
from crm.tests.conftest import balance, set_credits
from crm.tests.factories import make_contact
from crm.tests.test_import import URL, upload

pytestmark = pytest.mark.django_db

CONTENT = "email\nknown@example.com\nn1@example.com\nn2@example.com\nn3@example.com\n"


def test_an_api_import_kept_on_refusal_starts_after_a_top_up(world, django_capture_on_commit_callbacks):
    workspace = world["A"].workspace
    set_credits(workspace, 7)
    make_contact(workspace, email="known@example.com")
    client = world["A"].client("member")
    file = io.BytesIO(CONTENT.encode())
    file.name = "four.csv"
    refused = client.post(URL, {"file": file, "keep_on_refusal": "true"}, format="multipart")
    assert refused.status_code == 402
    import_id = refused.json()["error"]["details"]["import_id"]
    assert refused.json()["error"]["details"] == {"needed": 15, "available": 7, "import_id": import_id}
    draft = ContactImport.unscoped.get(pk=import_id)
    assert draft.status == ImportStatus.DRAFT and draft.new_contacts == 3 and draft.file_key
    url = f"/api/v1/crm/imports/{import_id}/start"
    assert client.post(url).status_code == 402  # still short: still a draft
    assert world["A"].client("viewer").post(url).status_code == 403
    assert world["B"].client("owner").post(url).status_code == 404
    set_credits(workspace, 20)  # a top-up
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url)
    assert started.status_code == 202 and started.json()["id"] == import_id
    assert Contact.unscoped.filter(workspace=workspace).count() == 4 and balance(workspace) == 5
    assert client.post(url).status_code == 409  # only a draft starts


def test_without_the_flag_a_refused_api_import_keeps_nothing(world):
    workspace = world["A"].workspace
    set_credits(workspace, 0)
    response = upload(world["A"].client("member"), CONTENT)
    assert response.status_code == 402 and "import_id" not in response.json()["error"]["details"]
    assert ContactImport.unscoped.get(workspace=workspace).status == ImportStatus.FAILED
